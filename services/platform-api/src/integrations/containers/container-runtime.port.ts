import type { Readable } from 'node:stream';

export interface WorkspaceSpec {
  tenantId: string;
  slug: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  /** The ports the workspace listens on inside its container, one per service (the plan's services). */
  ports: number[];
  cpus: number;
  memoryMb: number;
  pids: number;
  /** uid:gid the workspace runs as; never root. */
  user: string;
  /** Whether the workspace should be running (false while suspended or terminated). */
  running: boolean;
  /**
   * Where it may run, as Swarm placement constraints (`node.labels.tier==business`),
   * from the plan. An engine of one host has nowhere else to put it and ignores them.
   */
  placement: string[];
  /** The handle the last ensure answered (null the first time): a Swarm runtime reads the node that holds the data from it. */
  handle: string | null;
  /**
   * Only for a move (an operator's, see the contract below): the node to put
   * the workspace on instead of the one its service and handle name. The data
   * volume is not carried: the caller restores a snapshot into the new one.
   */
  moveTo?: string;
}

export interface WorkspaceEnsured {
  /** The engine's id of the workspace: the container's id on one engine; `<service id>@<node id>` on a Swarm, the node holding its data. */
  handle: string;
  /** Where the edge reaches each port of the workspace, by port, e.g. { 8080: 'http://127.0.0.1:41234' }. */
  endpoints: Record<number, string>;
  /** What differed from the spec and was put right ("container missing", …). */
  drift: string[];
}

export type WorkspaceState = 'running' | 'stopped' | 'missing';

/** One line of a workspace's log (see LogLine in @tessera/contracts). */
export type { LogLine } from '@tessera/contracts';

export interface LogOptions {
  /** How many of the last lines to start with (0: none, only new ones when following). */
  tail: number;
  /** Keep the stream open and pass on new lines until the container stops or the reader goes away. */
  follow: boolean;
  /** Only lines the engine received at or after this time (whole seconds: engines differ below that). */
  since?: Date | null;
}

/**
 * What one sample of a running workspace reads from the engine: counters
 * since the container started (CPU time, network bytes) and the memory in
 * use now. The sampler turns two samples into rates.
 */
export interface WorkspaceUsage {
  containerId: string;
  /** When the container last started (RFC 3339); a new value means it restarted. */
  startedAt: string;
  /** Restarts the engine made by the restart policy, since the container was created. */
  restartCount: number;
  /** CPU time the container used, in ns, and the host's CPU time (all cores) at the same moment. */
  cpuNs: number;
  systemCpuNs: number;
  onlineCpus: number;
  memoryBytes: number;
  memoryLimitBytes: number | null;
  rxBytes: number;
  txBytes: number;
}

export interface WorkspaceStatus {
  state: WorkspaceState;
  image: string | null;
  startedAt: string | null;
  /** CPU use in % of one core, memory in bytes; null when not running. */
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  /** The node it runs on, or last ran on (a Swarm's node name); absent on one engine. */
  node?: string;
  /** Why it is not running when the engine knows a reason beyond the workspace itself, in a sentence ("Its node swarm-2 is down."). */
  reason?: string;
}

/** Something the engine did to a workspace's container, as the engine reports it. */
export interface WorkspaceEngineEvent {
  tenantId: string;
  slug: string;
  action: 'start' | 'die' | 'stop' | 'restart' | 'oom';
  /** The engine's own id of the event (container id and time): the same event seen twice is one. */
  id: string;
}

/**
 * A tenant's workspace as the engine knows it: objects are named after the
 * slug and labelled with the tenant's id. An object with the workspace's name
 * and another tenant's label (an engine shared with another Tessera, or one
 * left from a test run) is never read or touched as this tenant's: every
 * method below throws `conflict` for it, and `displaceForeign` repairs it.
 */
export interface WorkspaceRef {
  tenantId: string;
  slug: string;
}

/**
 * Where a workspace's backups go: a restic repository per tenant, under
 * `location` — a named engine volume (the local default, e.g.
 * `tessera-backups`: one folder per tenant id in it) or an S3-compatible
 * bucket (`s3:http(s)://host[:port]/bucket[/prefix]`, with keys) — opened
 * with `password`. The repository is created on the first backup.
 */
export interface BackupRepository {
  location: string;
  password: string;
  s3: { accessKeyId: string; secretAccessKey: string } | null;
  /** The helper's image: busybox and restic (BACKUP_IMAGE). */
  image: string;
}

/** A volume's file list, by its checksum (see backup-helper.ts for exactly what is listed). */
export interface VolumeManifest {
  /** sha256 over the sorted `sha256  ./path` lines of every regular file. */
  checksum: string;
  files: number;
}

export interface VolumeBackup {
  /** restic's snapshot id (full). */
  snapshotId: string;
  /** The workspace's data, in bytes, as restic read it. */
  sizeBytes: number;
  /** What this backup added to the repository (new, deduplicated, compressed data). */
  addedBytes: number;
  /** The tenant's whole repository after it, in bytes (restic stats raw-data); null when restic did not say. */
  repositoryBytes: number | null;
  /**
   * The file list at backup time; null when files changed while restic read
   * them (a workspace writing during the backup): the snapshot is then a
   * good copy but no file list can be recorded for it.
   */
  manifest: VolumeManifest | null;
  /** The snapshots the repository holds after it (and after the retention, when one was given). */
  snapshots: string[];
  /** Why the retention given with the backup could not be applied (the backup itself stands); null when it was, or none was given. */
  retentionError: string | null;
}

/** How many snapshots a tenant keeps: the last `keepLast`, and the newest of each of the last `keepDaily` days. */
export interface SnapshotRetention {
  keepLast: number;
  keepDaily: number;
}

export interface VolumeRestore {
  /** The restored volume's file list, read after the restore (the restore drill compares it). */
  manifest: VolumeManifest;
  /** How many restored files restic read back and found equal to the snapshot's content (restore --verify); null when it did not say. */
  verifiedFiles: number | null;
}

/**
 * The container engine, as the workspace step needs it. Adapters:
 * DockerContainerRuntime (dockerode; one Docker Engine or Podman's Docker API)
 * and SwarmContainerRuntime (a Docker Swarm manager's API).
 *
 * What each operation means, on either adapter:
 * - a workspace is one running copy of its image with its data volume at
 *   /data, on the tenant's own network, hardened and limited as the spec says;
 *   on one engine that is a container, on a Swarm a service of one replica
 *   whose task runs on the node that holds the data volume;
 * - `running` (state) means a copy is running now: on a Swarm, a task in the
 *   state 'running' on a node the manager sees as ready. A task on a down
 *   node reads `stopped`, with the node in `reason`;
 * - `stop` leaves the data and the definition, and nothing runs (a stopped
 *   container; a service scaled to 0 replicas, answered once its task on a
 *   ready node has ended, so nothing writes to the data after it); `ensureWorkspace` with
 *   `running: true` starts it again (start; scale to 1);
 * - `restart` replaces the running copy with a fresh one on the same data;
 * - a move (`ensureWorkspace` with `moveTo`, the workspace stopped): on a
 *   Swarm the service is pinned to that node (it must meet the plan's
 *   placement, else `conflict`; unknown: `not_found`; whether it is ready
 *   and active is the caller's rule, so a failed move can go back to a
 *   cordoned node), so its
 *   data volume there is created empty, for the caller to restore into; the
 *   volume on the node it leaves is kept as it was (a manager cannot remove a
 *   node's volume). One engine has nowhere to move to: `conflict`, nothing
 *   changed;
 * - events: `start` when a copy starts, `stop` when Tessera (or an operator)
 *   stopped it, `die` when it ended on its own or with its node, `oom` when
 *   the kernel killed it for memory.
 */
export abstract class ContainerRuntime {
  /** Converges the tenant's network, data volume and container on the spec. Idempotent. */
  abstract ensureWorkspace(spec: WorkspaceSpec): Promise<WorkspaceEnsured>;
  abstract status(workspace: WorkspaceRef, withStats: boolean): Promise<WorkspaceStatus>;
  abstract restart(workspace: WorkspaceRef): Promise<void>;
  abstract stop(workspace: WorkspaceRef): Promise<void>;
  /**
   * Removes what holds the workspace's names for another tenant and holds no
   * data — its container, and then its network — so the next ensure creates
   * the tenant's own. Refuses (`conflict`) while the data volume of that name
   * is another tenant's: data is never removed. Returns what it removed.
   */
  abstract displaceForeign(workspace: WorkspaceRef): Promise<string[]>;
  /** Throws when the engine does not answer. */
  abstract ping(): Promise<void>;
  /** Every workspace container this engine holds, by the tenant id of its label: one engine call for a whole list. */
  abstract workspaceStates(): Promise<Map<string, WorkspaceState>>;
  /**
   * Follows the engine's events for workspace containers until the returned
   * function is called, reconnecting when the engine goes away and comes back.
   */
  abstract watch(onEvent: (event: WorkspaceEngineEvent) => void): () => void;
  /**
   * The workspace's log as a readable stream of LogLine objects (object
   * mode), read from the engine as it is consumed: a reader that stops
   * reading stops the engine's stream (backpressure), and destroying the
   * stream closes it. Lines longer than the adapter's cap are cut. Throws
   * `not_found` when the workspace has no container.
   */
  abstract logs(workspace: WorkspaceRef, options: LogOptions): Promise<Readable>;
  /** One usage sample of a running workspace; null when it is not running. */
  abstract usage(workspace: WorkspaceRef): Promise<WorkspaceUsage | null>;
  /**
   * Backs up the workspace's data volume into the tenant's repository: a
   * helper container mounts the volume read-only and runs restic. Works on a
   * running or a stopped workspace. Throws (IntegrationError `backups`) when
   * restic fails or reads the volume only in part: a failed backup never
   * answers. `tags` go on the snapshot. With `retention`, it is applied
   * right after the backup in the same helper (as forgetSnapshots).
   */
  abstract backupVolume(workspace: WorkspaceRef, repository: BackupRepository, tags: string[], retention?: SnapshotRetention): Promise<VolumeBackup>;
  /**
   * Replaces the data volume's contents with a snapshot's. The caller stops
   * the workspace first. The snapshot is restored beside the current files
   * (in the same volume) and compared with `expected` (its recorded file
   * list, when there is one); only then are the current files replaced. A
   * snapshot restic cannot read (a damaged repository) or that differs from
   * `expected` throws and replaces nothing. `from`: the tenant whose
   * repository holds the snapshot, when it is not the workspace's own (a
   * restore into a new tenant); the workspace's own when not given.
   */
  abstract restoreVolume(workspace: WorkspaceRef, repository: BackupRepository, snapshotId: string, expected: string | null, from?: WorkspaceRef): Promise<VolumeRestore>;
  /** The data volume's file list now: its checksum and up to `limit` lines (`sha256  ./path`). */
  abstract volumeManifest(workspace: WorkspaceRef, image: string, limit: number): Promise<VolumeManifest & { lines: string[] }>;
  /**
   * Keeps the tenant's last `keepLast` snapshots, and the newest of each of
   * the last `keepDaily` days, and prunes the rest (restic forget --prune);
   * answers the snapshots kept.
   */
  abstract forgetSnapshots(workspace: WorkspaceRef, repository: BackupRepository, keepLast: number, keepDaily?: number): Promise<string[]>;
}

/** Names of a tenant's engine objects. Every object also carries the tenant's id as a label. */
export const workspaceNames = (slug: string) => ({
  network: `tessera-${slug}`,
  volume: `tessera-${slug}-data`,
  container: `tessera-${slug}-app`,
});

export const TENANT_LABEL = 'io.tessera.tenant-id';
export const SLUG_LABEL = 'io.tessera.tenant-slug';
