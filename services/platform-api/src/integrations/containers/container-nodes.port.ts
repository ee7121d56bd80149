import type { NodeAvailability } from '@tessera/contracts';

/** A workspace placed on a node, by its engine objects' labels and limits. */
export interface EngineNodeWorkspace {
  tenantId: string;
  slug: string;
  state: 'running' | 'stopped';
  memoryBytes: number;
  cpus: number;
}

/** A node as its engine answers it (ClusterNode in @tessera/contracts, without the tenants' names). */
export interface EngineNode {
  id: string;
  name: string;
  role: 'manager' | 'worker' | 'engine';
  state: string;
  message: string | null;
  availability: NodeAvailability;
  reason: string | null;
  address: string | null;
  cpus: number;
  memoryBytes: number;
  labels: Record<string, string>;
  workspaces: EngineNodeWorkspace[];
}

/**
 * The machines workspaces run on. Adapters: SwarmContainerNodes (a Swarm
 * manager: every node) and EngineContainerNodes (one Docker or Podman engine:
 * itself, which cannot be cordoned or drained).
 *
 * What availability means:
 * - `cordoned`: no new workspace is placed on the node; those placed there
 *   keep running, restart, sleep and wake (they are pinned to their data).
 *   On a Swarm this is Tessera's own node label, not Swarm's `pause`, which
 *   would also keep a pinned workspace from restarting or waking.
 * - `drained`: Swarm's `drain`: every task on the node is stopped. A
 *   workspace's data volume is local to its node, so its service stays pinned
 *   there and does not move without its data: it reads `stopped`, its node
 *   and the reason named, until the node is made active again, when it
 *   starts there with its data. (An operator moves a workspace with its
 *   data before a drain: WorkspaceMovesService, through the backups.)
 * - `active`: both undone.
 * The operator's reason is kept on the node (a label), so whoever reads the
 * node reads why.
 */
export abstract class ContainerNodes {
  /** `swarm` when nodes can be cordoned and drained; `engine` for one engine. */
  abstract readonly kind: 'swarm' | 'engine';
  abstract list(): Promise<EngineNode[]>;
  /** Sets a node's availability; throws `not_found` for a node the engine does not know. Answers the node after. */
  abstract setAvailability(nodeId: string, availability: NodeAvailability, reason: string | null): Promise<EngineNode>;
  /**
   * By node id, the placement constraints (`node.labels.tier==business`, as
   * plans give them) each node does not meet: an empty list for a node a
   * workspace with them may be placed on. One engine meets every constraint
   * (it has nowhere else to put a workspace, and ignores them).
   */
  abstract unmetPlacement(placement: string[]): Promise<Map<string, string[]>>;
}

/** Tessera's labels on a Swarm node: the availability it set, and why. */
export const AVAILABILITY_LABEL = 'io.tessera.availability';
export const AVAILABILITY_REASON_LABEL = 'io.tessera.availability-reason';
