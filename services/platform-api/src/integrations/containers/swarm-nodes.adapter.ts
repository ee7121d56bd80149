import type Docker from 'dockerode';
import type { NodeAvailability } from '@tessera/contracts';
import { IntegrationError } from '../integration-error';
import { AVAILABILITY_LABEL, AVAILABILITY_REASON_LABEL, ContainerNodes, type EngineNode } from './container-nodes.port';
import { SLUG_LABEL, TENANT_LABEL } from './container-runtime.port';
import { engineCall, engineClient, inspected, updateInSequence } from './engine-objects';
import { availabilityOf, listNodes, meets, listTasks, nameOf, pinnedNode, stateOf, workspaceServices, type Service, type SwarmNode, type Task } from './swarm.adapter';

/**
 * The nodes of a Docker Swarm, from its manager: capacity, state, labels and
 * the workspaces pinned to each; cordon (Tessera's label: no new workspaces),
 * drain (Swarm's drain: its workspaces stop, and do not move without their
 * data) and back to active. See ContainerNodes for what each means.
 */
export class SwarmContainerNodes extends ContainerNodes {
  readonly kind = 'swarm';
  private readonly docker: Docker;

  constructor(options: { socketPath: string }) {
    super();
    this.docker = engineClient(options.socketPath);
  }

  list(): Promise<EngineNode[]> {
    return engineCall(async () => {
      const [nodes, services, tasks] = await Promise.all([listNodes(this.docker), workspaceServices(this.docker), listTasks(this.docker, { 'desired-state': ['running'] })]);
      return nodes.map((node) => describe(node, nodes, services, tasks));
    });
  }

  setAvailability(nodeId: string, availability: NodeAvailability, reason: string | null): Promise<EngineNode> {
    return engineCall(async () => {
      // A node that is gone is not written; the list below says so.
      await updateInSequence(
        () => inspected(() => this.docker.getNode(nodeId).inspect() as Promise<SwarmNode>),
        async (version, spec) => {
          await this.docker.getNode(nodeId).update({ _query: { version }, _body: spec } as never);
        },
        (spec) => {
          const labels = { ...spec.Labels };
          delete labels[AVAILABILITY_LABEL];
          delete labels[AVAILABILITY_REASON_LABEL];
          if (availability !== 'active') {
            labels[AVAILABILITY_LABEL] = availability;
            if (reason) labels[AVAILABILITY_REASON_LABEL] = reason;
          }
          return { ...spec, Labels: labels, Availability: availability === 'drained' ? 'drain' : 'active' };
        },
      );
      const after = (await this.list()).find((node) => node.id === nodeId);
      if (!after) throw new IntegrationError('containers', 'not_found', `The Swarm has no node ${nodeId}`);
      return after;
    });
  }

  unmetPlacement(placement: string[]): Promise<Map<string, string[]>> {
    return engineCall(async () => new Map((await listNodes(this.docker)).map((node) => [node.ID, placement.filter((constraint) => !meets(node, constraint))])));
  }
}

function describe(node: SwarmNode, nodes: SwarmNode[], services: Service[], tasks: Task[]): EngineNode {
  const labels = Object.fromEntries(Object.entries(node.Spec.Labels ?? {}).filter(([key]) => !key.startsWith('io.tessera.')));
  const placed = services.filter((service) => pinnedNode(service.Spec) === node.ID);
  const role = node.Spec.Role === 'manager' ? 'manager' : 'worker';
  return {
    id: node.ID,
    name: nameOf(node, nodes),
    role,
    state: node.Status.State,
    message: node.Status.State !== 'ready' && node.Status.Message ? node.Status.Message : null,
    availability: availabilityOf(node),
    reason: node.Spec.Labels?.[AVAILABILITY_REASON_LABEL] ?? null,
    address: node.Status.Addr ?? null,
    cpus: (node.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
    memoryBytes: node.Description?.Resources?.MemoryBytes ?? 0,
    labels,
    workspaces: placed.map((service) => {
      const limits = service.Spec.TaskTemplate.Resources?.Limits ?? {};
      const own = tasks.filter((task) => task.ServiceID === service.ID);
      return {
        tenantId: service.Spec.Labels?.[TENANT_LABEL] ?? '',
        slug: service.Spec.Labels?.[SLUG_LABEL] ?? '',
        state: stateOf(service, own, nodes).state === 'running' ? ('running' as const) : ('stopped' as const),
        memoryBytes: limits.MemoryBytes ?? 0,
        cpus: (limits.NanoCPUs ?? 0) / 1e9,
      };
    }),
  };
}
