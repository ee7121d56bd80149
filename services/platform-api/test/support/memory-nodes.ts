import type { NodeAvailability } from '@tessera/contracts';
import { ContainerNodes, type EngineNode } from '../../src/integrations/containers/container-nodes.port';

const GB = 1024 ** 3;

/** A ready, active worker with 2 CPUs and 4 GB, named host-<id>; `extra` overrides any field. */
export const engineNode = (id: string, extra: Partial<EngineNode> = {}): EngineNode => ({
  id,
  name: `host-${id}`,
  role: 'worker',
  state: 'ready',
  message: null,
  availability: 'active',
  reason: null,
  address: null,
  cpus: 2,
  memoryBytes: 4 * GB,
  labels: {},
  workspaces: [],
  ...extra,
});

/**
 * Nodes in memory, for unit specs: what a Swarm manager would answer, and
 * the availability changes asked of it. A node meets `node.labels.tier==X`
 * when its tier label is X; it meets no other constraint.
 */
export class MemoryNodes extends ContainerNodes {
  readonly changes: { id: string; availability: NodeAvailability; reason: string | null }[] = [];
  constructor(
    readonly kind: 'swarm' | 'engine',
    readonly nodes: EngineNode[],
  ) {
    super();
  }
  list(): Promise<EngineNode[]> {
    return Promise.resolve(structuredClone(this.nodes));
  }
  setAvailability(id: string, availability: NodeAvailability, reason: string | null): Promise<EngineNode> {
    this.changes.push({ id, availability, reason });
    const node = this.nodes.find((candidate) => candidate.id === id)!;
    Object.assign(node, { availability, reason: availability === 'active' ? null : reason });
    return Promise.resolve(structuredClone(node));
  }
  unmetPlacement(placement: string[]): Promise<Map<string, string[]>> {
    return Promise.resolve(new Map(this.nodes.map((node) => [node.id, placement.filter((constraint) => constraint !== `node.labels.tier==${node.labels['tier'] ?? ''}`)])));
  }
}
