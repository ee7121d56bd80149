/**
 * The machines workspaces run on, as operators see them: the nodes of a
 * Docker Swarm, or the one engine of a single-host platform.
 */

/** `active`: takes new workspaces; `cordoned`: keeps and restarts its own, takes no new ones; `drained`: runs none. */
export const NODE_AVAILABILITIES = ['active', 'cordoned', 'drained'] as const;
export type NodeAvailability = (typeof NODE_AVAILABILITIES)[number];

/** A workspace on a node: its tenant and how it runs now. */
export interface NodeWorkspace {
  tenantId: string;
  slug: string;
  /** The tenant's name; null when Tessera's database has no such tenant (an object left by someone else). */
  tenantName: string | null;
  state: 'running' | 'stopped';
  /** The memory and CPU its plan promises it (its limits). */
  memoryBytes: number;
  cpus: number;
}

export interface ClusterNode {
  id: string;
  /** The node's host name (with its id when several nodes share one). */
  name: string;
  /** `manager` or `worker` on a Swarm; `engine` for the one engine of a single host. */
  role: 'manager' | 'worker' | 'engine';
  /** As the manager (or the engine) answers: `ready`, `down`, `unknown`, `disconnected`. */
  state: string;
  /** The manager's words when the node is not ready ("heartbeat failure"). */
  message: string | null;
  availability: NodeAvailability;
  /** The operator's reason for a cordon or drain, as given. */
  reason: string | null;
  address: string | null;
  /** What the node has. */
  cpus: number;
  memoryBytes: number;
  /** What the workspaces placed on it are promised (the sum of their limits), stopped ones included: their data is there. */
  promisedMemoryBytes: number;
  promisedCpus: number;
  /** The node's labels (placement: `tier=business`), Tessera's own aside. */
  labels: Record<string, string>;
  workspaces: NodeWorkspace[];
}

export interface ClusterNodes {
  /** `swarm`: nodes can be cordoned and drained; `engine`: one engine, nowhere else to move work. */
  runtime: 'swarm' | 'engine';
  nodes: ClusterNode[];
}

export interface NodeActionRequest {
  /** Why, in a sentence: kept on the node and in the audit log. */
  reason: string;
}

/** A node a workspace could be moved to, as the move's form lists it. */
export interface WorkspaceMoveTarget {
  id: string;
  name: string;
  /** Whether the workspace can be moved there now. */
  eligible: boolean;
  /** Why not, in a sentence ("swarm-3 is cordoned: …"); null when it can. */
  reason: string | null;
}

/** Where a tenant's workspace can be moved (operators, on a Swarm): the node holding its data now and the others. */
export interface WorkspaceMoveTargets {
  slug: string;
  tenantName: string;
  /** The node that holds its data now; null when it has none yet. */
  current: { id: string; name: string } | null;
  /** Why it cannot be moved at all (one engine, a backup repository that is not S3, no workspace yet); null when it can. */
  blocked: string | null;
  /** Every node but the current one, eligible ones first. */
  nodes: WorkspaceMoveTarget[];
}

export interface WorkspaceMoveRequest {
  /** The id of the node to move it to. */
  node: string;
  /** Why, in a sentence: kept in the audit log. */
  reason: string;
}

/**
 * A move done: the workspace was stopped, backed up, restored on the new node
 * (the restore drill passed) and started there.
 */
export interface WorkspaceMoveOutcome {
  slug: string;
  from: { id: string; name: string };
  to: { id: string; name: string };
  /** The backup taken for the move (trigger `before_move`) and its snapshot. */
  backupId: string;
  snapshotId: string;
  /** The file-list checksum recorded with the backup and the one read on the new node: equal. */
  checksum: string;
  files: number;
  /** The workspace as the engine reports it after the move. */
  workspace: { state: 'running' | 'stopped' | 'missing'; node: string | null };
  /** What stays on the old node: its data volume, as it was before the move. */
  leftBehind: string;
  /** The outcome in a sentence, for a toast. */
  message: string;
}
