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
}

export interface WorkspaceEnsured {
  /** The container's id. */
  handle: string;
  /** Where the edge reaches each port of the workspace, by port, e.g. { 8080: 'http://127.0.0.1:41234' }. */
  endpoints: Record<number, string>;
  /** What differed from the spec and was put right ("container missing", …). */
  drift: string[];
}

export type WorkspaceState = 'running' | 'stopped' | 'missing';

export interface WorkspaceStatus {
  state: WorkspaceState;
  image: string | null;
  startedAt: string | null;
  /** CPU use in % of one core, memory in bytes; null when not running. */
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
}

/**
 * The container engine, as the workspace step needs it. Adapter:
 * DockerContainerRuntime (dockerode; Docker Engine or Podman's Docker API).
 */
/** Something the engine did to a workspace's container, as the engine reports it. */
export interface WorkspaceEngineEvent {
  tenantId: string;
  slug: string;
  action: 'start' | 'die' | 'stop' | 'restart' | 'oom';
  /** The engine's own id of the event (container id and time): the same event seen twice is one. */
  id: string;
}

export abstract class ContainerRuntime {
  /** Converges the tenant's network, data volume and container on the spec. Idempotent. */
  abstract ensureWorkspace(spec: WorkspaceSpec): Promise<WorkspaceEnsured>;
  abstract status(slug: string, withStats: boolean): Promise<WorkspaceStatus>;
  abstract restart(slug: string): Promise<void>;
  abstract stop(slug: string): Promise<void>;
  /** Throws when the engine does not answer. */
  abstract ping(): Promise<void>;
  /** Every workspace container this engine holds, by tenant slug: one engine call for a whole list. */
  abstract workspaceStates(): Promise<Map<string, WorkspaceState>>;
  /**
   * Follows the engine's events for workspace containers until the returned
   * function is called, reconnecting when the engine goes away and comes back.
   */
  abstract watch(onEvent: (event: WorkspaceEngineEvent) => void): () => void;
}

/** Names of a tenant's engine objects. Every object also carries the tenant's id as a label. */
export const workspaceNames = (slug: string) => ({
  network: `tessera-${slug}`,
  volume: `tessera-${slug}-data`,
  container: `tessera-${slug}-app`,
});

export const TENANT_LABEL = 'io.tessera.tenant-id';
export const SLUG_LABEL = 'io.tessera.tenant-slug';
