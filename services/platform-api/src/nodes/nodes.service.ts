import { Injectable } from '@nestjs/common';
import type { ClusterNode, ClusterNodes, NodeAvailability } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import { DomainError } from '../common/errors/domain-error';
import { ContainerNodes, type EngineNode } from '../integrations/containers/container-nodes.port';
import { TenantsRepository } from '../tenants/tenants.repository';

/** What a node id looks like (a Swarm's: 25 letters and digits; one engine's: its id or host name). */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

const VERBS: Record<NodeAvailability, { action: string; done: string }> = {
  active: { action: 'node.uncordon', done: 'active' },
  cordoned: { action: 'node.cordon', done: 'cordoned' },
  drained: { action: 'node.drain', done: 'drained' },
};

/**
 * The machines workspaces run on, for operators: each node with its capacity,
 * what is promised to the workspaces placed on it, and those workspaces by
 * tenant; cordon, drain and back to active, each audited with its reason.
 * On one engine there is one node, which cannot be cordoned or drained.
 */
@Injectable()
export class NodesService {
  constructor(
    private readonly nodes: ContainerNodes,
    private readonly tenants: TenantsRepository,
  ) {}

  async list(): Promise<ClusterNodes> {
    return { runtime: this.nodes.kind, nodes: await this.describe(await this.nodes.list()) };
  }

  async setAvailability(id: string, availability: NodeAvailability, reason: string | null): Promise<Mutation<ClusterNode>> {
    if (this.nodes.kind === 'engine') {
      throw DomainError.conflict('Workspaces run on one container engine here: there is no other node to place them on, so it cannot be cordoned or drained. Cordon and drain need a Docker Swarm (CONTAINER_RUNTIME=swarm).');
    }
    if (!NODE_ID.test(id)) throw DomainError.notFound('That node');
    const before = (await this.nodes.list()).find((node) => node.id === id);
    if (!before) throw DomainError.notFound('That node');
    if (before.availability === availability) throw DomainError.conflict(`${before.name} is ${VERBS[availability].done} already`);
    const after = await this.nodes.setAvailability(id, availability, reason);
    const [described] = await this.describe([after]);
    return mutation(described!, {
      action: VERBS[availability].action,
      target: { type: 'node', id },
      changes: { availability: { from: before.availability, to: after.availability } },
      reason,
    });
  }

  /** The engine's nodes with each workspace's tenant name (one query for all), busiest first within their order. */
  private async describe(nodes: EngineNode[]): Promise<ClusterNode[]> {
    const ids = [...new Set(nodes.flatMap((node) => node.workspaces.map((workspace) => workspace.tenantId)).filter((id) => /^[0-9a-f]{24}$/i.test(id)))];
    const names = new Map((ids.length ? await this.tenants.findByIds(ids) : []).map((tenant) => [tenant.id, tenant.name]));
    return nodes.map((node) => ({
      ...node,
      promisedMemoryBytes: node.workspaces.reduce((sum, workspace) => sum + workspace.memoryBytes, 0),
      promisedCpus: Math.round(node.workspaces.reduce((sum, workspace) => sum + workspace.cpus, 0) * 100) / 100,
      workspaces: node.workspaces.map((workspace) => ({ ...workspace, tenantName: names.get(workspace.tenantId) ?? null })).sort((a, b) => a.slug.localeCompare(b.slug)),
    }));
  }
}
