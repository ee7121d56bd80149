import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import {
  ContainerRuntime,
  SLUG_LABEL,
  TENANT_LABEL,
  workspaceNames,
  type LogOptions,
  type WorkspaceEngineEvent,
  type WorkspaceEnsured,
  type WorkspaceRef,
  type WorkspaceSpec,
  type WorkspaceState,
  type WorkspaceStatus,
  type WorkspaceUsage,
  type BackupRepository,
  type SnapshotRetention,
  type VolumeBackup,
  type VolumeManifest,
  type VolumeRestore,
} from './container-runtime.port';
import { randomBytes } from 'node:crypto';
import { backUpWith, demultiplex, forgetWith, helperEnvironment, helperResult, HELPER_SCRIPT, manifestWith, restoreWith, type HelperRun } from './backup-helper';
import type { NodeAvailability } from '@tessera/contracts';
import { IntegrationError } from '../integration-error';
import { AVAILABILITY_LABEL, AVAILABILITY_REASON_LABEL } from './container-nodes.port';
import { boundCalls, dialLogs, engineCall, engineClient, sharedRead, ignoreConflict, inspected, joinNetwork, mustOwn, owns, ownerOf, updateInSequence } from './engine-objects';

const MB = 1024 * 1024;
/** Placement constraint that keeps a workspace on the node holding its data volume. */
const NODE_PIN = /^node\.id==(.+)$/;

export interface SwarmRuntimeOptions {
  /** A Swarm manager's API socket. */
  socketPath: string;
  /** The edge's container (Traefik, on a node of the Swarm), joined to every tenant overlay network. */
  edgeContainer: string | null;
  /** How often `watch` reads the tasks (a Swarm's event stream has no task events on API 1.41). */
  watchPollMs?: number;
  /** Calls to the manager in flight at once (default 4); the others wait their turn (see boundCalls). */
  maxCalls?: number;
}

/*
 * Swarm objects as dockerode answers them: only the fields read here.
 * (@types/dockerode types them loosely.)
 */
export interface Service {
  ID: string;
  Version: { Index: number };
  Spec: ServiceSpec;
}
export interface ServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Command?: string[];
      Env?: string[];
      User?: string;
      ReadOnly?: boolean;
      CapabilityDrop?: string[];
      Init?: boolean;
      Labels?: Record<string, string>;
      Mounts?: unknown[];
      StopGracePeriod?: number;
    };
    Resources?: { Limits?: { MemoryBytes?: number; NanoCPUs?: number; Pids?: number } };
    RestartPolicy?: { Condition: string; Delay?: number };
    Placement?: { Constraints?: string[] };
    Networks?: { Target: string }[];
    ForceUpdate?: number;
  };
  Mode: { Replicated?: { Replicas?: number } };
  EndpointSpec?: { Mode: string };
}
export interface Task {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  DesiredState: string;
  UpdatedAt?: string;
  Status: { State: string; Timestamp?: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}
export interface SwarmNode {
  ID: string;
  Version?: { Index: number };
  Spec: { Availability?: string; Role?: string; Labels?: Record<string, string>; Name?: string };
  Description?: { Hostname?: string; Platform?: { OS?: string; Architecture?: string }; Resources?: { MemoryBytes?: number; NanoCPUs?: number } };
  Status: { State: string; Message?: string; Addr?: string };
}

/**
 * ContainerRuntime on a Docker Swarm manager. Each workspace is a service of
 * one replica (0 while stopped) on its tenant's own attachable overlay network
 * (overlays are isolated from each other), reached by its name in Swarm DNS
 * (`EndpointSpec` dnsrr: no virtual IP, no routing mesh). Its data volume is a
 * local volume of the node the task runs on; so a workspace is placed once, on
 * the ready, active node with the most memory left that meets its plan's
 * constraints, and pinned there (`node.id==…`, also in its handle) for as long
 * as the node exists.
 *
 * Hardening as on one engine (user, read-only root, every capability dropped,
 * memory, CPU and PID limits, a tmpfs /tmp, an init), except no-new-privileges:
 * a service of API 1.41 cannot ask for it, so each node's daemon runs with
 * `--no-new-privileges` (docs/deploy.md).
 *
 * What a manager cannot do: read a task's counters on another node (`usage`
 * answers null, `status` has no CPU or memory), or look inside a volume.
 */
export class SwarmContainerRuntime extends ContainerRuntime {
  private readonly docker: Docker;
  /** For streams that stay open (a followed log). */
  private readonly streaming: Docker;
  private readonly edgeAttached = new Set<string>();

  constructor(private readonly options: SwarmRuntimeOptions) {
    super();
    this.docker = boundCalls(engineClient(options.socketPath), options.maxCalls ?? 4);
    this.streaming = engineClient(options.socketPath, { streaming: true });
  }

  async ensureWorkspace(spec: WorkspaceSpec): Promise<WorkspaceEnsured> {
    return engineCall(async () => {
      const names = workspaceNames(spec.slug);
      const labels = { [TENANT_LABEL]: spec.tenantId, [SLUG_LABEL]: spec.slug };
      const drift: string[] = [];

      let network = await this.network(names.network);
      if (network) mustOwn(spec, 'network', names.network, network.Labels);
      let service = await this.service(names.container);
      if (service) mustOwn(spec, 'service', names.container, service.Spec.Labels);

      if (!network) {
        await ignoreConflict(() => this.docker.createNetwork({ Name: names.network, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: labels }));
        drift.push('network missing');
        network = await this.network(names.network);
        if (!network) throw new IntegrationError('containers', 'unavailable', `The Swarm did not keep the network ${names.network}`);
      }
      await this.attachEdge(network.Id);

      const nodes = await this.nodes();
      const node = spec.moveTo ? this.moveTarget(spec, spec.moveTo, nodes) : await this.nodeFor(spec, service, nodes, drift);
      const wanted = this.serviceSpec(spec, labels, node.ID, network.Id);
      let pinned = service ? pinnedNode(service.Spec) : null;
      if (!service) {
        drift.push('service missing');
        await ignoreConflict(() => this.docker.createService(wanted as never));
        service = await this.service(names.container);
        if (!service) throw new IntegrationError('containers', 'unavailable', `The Swarm did not keep the service ${names.container}`);
        mustOwn(spec, 'service', names.container, service.Spec.Labels);
      } else {
        const wrong = differences(service.Spec, wanted);
        const replicas = service.Spec.Mode.Replicated?.Replicas ?? 0;
        if (replicas === 0 && spec.running) drift.push('workspace stopped');
        if (replicas > 0 && !spec.running) drift.push('workspace running while it should be stopped');
        if (wrong.length > 0) drift.push(`service runs the wrong ${wrong.join(', ')}`);
        if (wrong.length > 0 || replicas !== wanted.Mode.Replicated.Replicas) {
          // A restart asked for before stays asked for: ForceUpdate is the restart counter.
          await this.update(service, (current) => ({ ...wanted, TaskTemplate: { ...wanted.TaskTemplate, ForceUpdate: current.TaskTemplate.ForceUpdate ?? 0 } }));
          pinned = node.ID;
        }
      }
      // A concurrent ensure that created the service first may have pinned it elsewhere: the service says where its data is.
      pinned ??= pinnedNode(service.Spec);
      return { handle: `${service.ID}@${pinned ?? node.ID}`, endpoints: Object.fromEntries(spec.ports.map((port) => [port, `http://${names.container}:${port}`])), drift };
    });
  }

  async status(workspace: WorkspaceRef): Promise<WorkspaceStatus> {
    return engineCall(async () => {
      const service = await this.ownService(workspace);
      const none = { cpuPercent: null, memoryBytes: null, memoryLimitBytes: null };
      if (!service) return { state: 'missing', image: null, startedAt: null, ...none };
      const [tasks, nodes] = await Promise.all([this.tasks({ service: [service.ID] }), this.nodes()]);
      const seen = stateOf(service, tasks, nodes);
      const image = service.Spec.TaskTemplate.ContainerSpec.Image;
      return { state: seen.state, image, startedAt: seen.startedAt, ...none, ...(seen.node ? { node: seen.node } : {}), ...(seen.reason ? { reason: seen.reason } : {}) };
    });
  }

  async restart(workspace: WorkspaceRef): Promise<void> {
    await engineCall(async () => {
      const service = await this.ownService(workspace);
      if (!service) return;
      await this.update(service, (spec) => ({ ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate.ForceUpdate ?? 0) + 1 } }));
    });
  }

  async stop(workspace: WorkspaceRef): Promise<void> {
    await engineCall(async () => {
      const service = await this.ownService(workspace);
      if (!service || (service.Spec.Mode.Replicated?.Replicas ?? 0) === 0) return;
      await this.update(service, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: 0 } } }));
      await this.ended(service.ID);
    });
  }

  /**
   * Waits until no task of the service runs on a ready node (the engine
   * stops it within its grace period), for at most 30 s: a task on a node
   * that stopped answering cannot be waited for.
   */
  private async ended(serviceId: string): Promise<void> {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const [tasks, nodes] = await Promise.all([this.tasks({ service: [serviceId] }), listNodes(this.docker)]);
      const ready = new Set(nodes.filter((node) => node.Status.State === 'ready').map((node) => node.ID));
      if (!tasks.some((task) => ['running', 'starting', 'preparing'].includes(task.Status.State) && task.NodeID && ready.has(task.NodeID))) return;
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  /** The service and then the network of another tenant. Volumes are local to nodes, which a manager cannot list: they are never removed. */
  async displaceForeign(workspace: WorkspaceRef): Promise<string[]> {
    return engineCall(async () => {
      const names = workspaceNames(workspace.slug);
      const removed: string[] = [];
      const service = await this.service(names.container);
      if (service && !owns(workspace, service.Spec.Labels)) {
        await this.docker.getService(service.ID).remove();
        removed.push(`service ${names.container} of ${ownerOf(service.Spec.Labels)}`);
      }
      const network = await this.network(names.network);
      if (network && !owns(workspace, network.Labels)) {
        // The edge leaves it first; while the removed service's task is still on it, the engine refuses and a later repair removes it.
        if (this.options.edgeContainer) await this.docker.getNetwork(names.network).disconnect({ Container: this.options.edgeContainer, Force: true }).catch(() => undefined);
        const left = await this.docker.getNetwork(names.network).remove().then(() => true, (error: unknown) => {
          if (/active endpoints/i.test(String((error as Error).message))) return false;
          throw error;
        });
        if (!left) return removed;
        this.edgeAttached.delete(network.Id);
        removed.push(`network ${names.network} of ${ownerOf(network.Labels)}`);
      }
      return removed;
    });
  }

  async ping(): Promise<void> {
    await engineCall(() => this.docker.ping());
  }

  async workspaceStates(): Promise<Map<string, WorkspaceState>> {
    return engineCall(async () => {
      const [services, tasks, nodes] = await Promise.all([this.workspaceServices(), this.tasks({}), this.nodes()]);
      return new Map(services.map((service) => [service.Spec.Labels?.[TENANT_LABEL] ?? '', stateOf(service, tasks.filter((task) => task.ServiceID === service.ID), nodes).state]));
    });
  }

  /**
   * Reads the workspaces' tasks every poll and reports what changed: a task
   * that starts running is `start`; the running task gone while the service
   * is scaled to 0 is `stop`, while its restart counter moved is `restart`,
   * else `die` (it ended, or its node went down).
   */
  watch(onEvent: (event: WorkspaceEngineEvent) => void): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    /** By service id: the task running at the last poll, and the restart counter. */
    const last = new Map<string, { running: string | null; forceUpdate: number; restarting: boolean }>();
    let first = true;
    const poll = async () => {
      try {
        const [services, tasks, nodes] = await Promise.all([this.workspaceServices(), this.tasks({}), this.nodes()]);
        for (const service of services) {
          const tenantId = service.Spec.Labels?.[TENANT_LABEL];
          const slug = service.Spec.Labels?.[SLUG_LABEL];
          if (!tenantId || !slug) continue;
          const running = runningTask(tasks.filter((task) => task.ServiceID === service.ID), nodes);
          const forceUpdate = service.Spec.TaskTemplate.ForceUpdate ?? 0;
          const before = last.get(service.ID);
          // A restart asked for (the counter moved) stays pending until the running task changes.
          const restarting = before ? before.restarting || forceUpdate !== before.forceUpdate : false;
          const changed = before !== undefined && before.running !== null && before.running !== running?.ID;
          last.set(service.ID, { running: running?.ID ?? null, forceUpdate, restarting: restarting && !changed });
          if (first || !before) continue;
          const emit = (action: WorkspaceEngineEvent['action'], taskId: string) => onEvent({ tenantId, slug, action, id: `${taskId}:${action}` });
          if (changed && before.running) {
            const replicas = service.Spec.Mode.Replicated?.Replicas ?? 0;
            emit(replicas === 0 ? 'stop' : restarting ? 'restart' : 'die', before.running);
          }
          if (running && running.ID !== before.running) emit('start', running.ID);
        }
        first = false;
      } catch {
        // The manager is away: the next poll tries again, and compares with what was seen before.
      }
      if (!stopped) timer = setTimeout(() => void poll(), this.options.watchPollMs ?? 1_000);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  /** The service's log, which the manager gathers from the nodes its tasks ran on. */
  async logs(workspace: WorkspaceRef, options: LogOptions): Promise<Readable> {
    const gone = () => new IntegrationError('containers', 'not_found', `The workspace of ${workspace.slug} has no service`);
    return engineCall(async () => {
      const service = await this.ownService(workspace);
      if (!service) throw gone();
      return dialLogs(this.streaming, `/services/${service.ID}/logs?`, options, true, gone);
    });
  }

  /** A manager cannot read the counters of a task on another node: no samples on a Swarm (docs/deploy.md). */
  usage(): Promise<WorkspaceUsage | null> {
    return Promise.resolve(null);
  }

  /*
   * Backups: the helper runs as a one-shot service on the node that holds the
   * data volume (see helper()); the same operations as on one engine.
   */
  backupVolume(workspace: WorkspaceRef, repository: BackupRepository, tags: string[], retention?: SnapshotRetention): Promise<VolumeBackup> {
    return backUpWith(this.helper(workspace, repository.image), repository, tags, retention);
  }
  restoreVolume(workspace: WorkspaceRef, repository: BackupRepository, snapshotId: string, expected: string | null, from?: WorkspaceRef): Promise<VolumeRestore> {
    return restoreWith(this.helper(workspace, repository.image), repository, snapshotId, expected, from);
  }
  volumeManifest(workspace: WorkspaceRef, image: string, limit: number): Promise<VolumeManifest & { lines: string[] }> {
    return manifestWith(this.helper(workspace, image), limit);
  }
  forgetSnapshots(workspace: WorkspaceRef, repository: BackupRepository, keepLast: number, keepDaily = 0): Promise<string[]> {
    return forgetWith(this.helper(workspace, repository.image), repository, keepLast, keepDaily);
  }

  /**
   * The backup helper as a one-shot service: one task, never restarted,
   * pinned to the node the workspace's service is pinned to (its data volume
   * is a local volume there, mounted by name: no host path), root with only
   * the capabilities that read and restore files of any owner, a read-only
   * root and a /tmp in memory. A volume repository is the volume of that name
   * on the same node (so on a Swarm each node holds the repositories of its
   * workspaces: use S3 to restore on another node); for S3 the helper joins
   * the tenant's overlay network for its way out. What it printed comes from
   * the manager (service logs); the service is removed whatever happens.
   * A manager cannot inspect a node's volume, so the data volume's owner is
   * the workspace service's (ours, by its label), which created it there.
   */
  private helper(workspace: WorkspaceRef, image: string): HelperRun {
    return async (operation, options) => {
      const names = workspaceNames(workspace.slug);
      const { env, repositoryVolume, s3 } = helperEnvironment(workspace, operation, options);
      const { id, node } = await engineCall(async () => {
        const service = await this.ownService(workspace);
        const node = service ? pinnedNode(service.Spec) : null;
        if (!service || !node) throw new IntegrationError('backups', 'not_found', `The workspace of ${workspace.slug} has no service on a node yet, so no data volume`);
        const labels = { [TENANT_LABEL]: workspace.tenantId, [SLUG_LABEL]: workspace.slug, 'io.tessera.role': 'backup-helper' };
        const mounts: unknown[] = [
          // Labelled as the workspace's own when the helper creates it: a restore into a workspace moved to this node.
          { Type: 'volume', Source: names.volume, Target: '/data', ReadOnly: options.readOnly, VolumeOptions: { Labels: { [TENANT_LABEL]: workspace.tenantId, [SLUG_LABEL]: workspace.slug } } },
          { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 512 * MB } },
        ];
        if (repositoryVolume) mounts.push({ Type: 'volume', Source: repositoryVolume, Target: '/repo', VolumeOptions: { Labels: { 'io.tessera.role': 'backups' } } });
        const created = (await this.docker.createService({
          Name: `${names.container.replace(/-app$/, '')}-backup-${randomBytes(3).toString('hex')}`,
          Labels: labels,
          TaskTemplate: {
            ContainerSpec: {
              Image: image,
              Command: ['/bin/sh', '-c', HELPER_SCRIPT],
              Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
              User: '0:0',
              Labels: labels,
              ReadOnly: true,
              CapabilityDrop: ['ALL'],
              CapabilityAdd: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID'],
              Mounts: mounts,
            },
            RestartPolicy: { Condition: 'none' },
            Placement: { Constraints: [`node.id==${node}`] },
            ...(s3 ? { Networks: service.Spec.TaskTemplate.Networks ?? [] } : {}),
          },
          Mode: { Replicated: { Replicas: 1 } },
        } as never)) as unknown as { id: string };
        return { id: created.id, node };
      });
      try {
        const task = await this.finished(id, node);
        const logs = await engineCall(() => this.docker.getService(id).logs({ stdout: true, stderr: true, follow: false } as never) as unknown as Promise<Buffer>);
        const { out, err } = demultiplex(Buffer.isBuffer(logs) ? logs : Buffer.from(String(logs)));
        const exitCode = task.Status.ContainerStatus?.ExitCode ?? (task.Status.State === 'complete' ? 0 : null);
        const reason = task.Status.State === 'complete' || task.Status.State === 'failed' ? err : `${err}\n${task.Status.Err ?? `the helper's task ended ${task.Status.State}`}`;
        return helperResult(workspace, operation, out, reason, exitCode);
      } finally {
        await this.docker.getService(id).remove().catch(() => undefined);
      }
    };
  }

  /**
   * The helper's task once it ended. No limit once it runs (a large volume
   * takes as long as it takes); one that has not started within 5 minutes
   * (its node down, its image missing there) fails, saying why.
   */
  private async finished(serviceId: string, nodeId: string): Promise<Task> {
    const ended = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
    const waiting = new Set(['new', 'pending', 'assigned', 'accepted', 'allocated']);
    const startBy = Date.now() + 5 * 60_000;
    for (;;) {
      const [task] = await engineCall(() => this.tasks({ service: [serviceId] }));
      if (task && ended.has(task.Status.State)) return task;
      if ((!task || waiting.has(task.Status.State)) && Date.now() > startBy) {
        throw new IntegrationError('backups', 'unavailable', `The backup helper did not start on node ${nodeId} within 5 minutes${task?.Status.Err ? `: ${task.Status.Err}` : ''}`);
      }
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  /** The service as it should be; the network by id, which is how the manager answers it. */
  private serviceSpec(spec: WorkspaceSpec, labels: Record<string, string>, nodeId: string, networkId: string) {
    const names = workspaceNames(spec.slug);
    return {
      Name: names.container,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: spec.image,
          Command: spec.command,
          Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
          User: spec.user,
          Labels: labels,
          ReadOnly: true,
          CapabilityDrop: ['ALL'],
          Init: true,
          // The data volume (local to the node, created there with the tenant's labels) and a small tmpfs: no host paths.
          Mounts: [
            { Type: 'volume', Source: names.volume, Target: '/data', VolumeOptions: { Labels: labels } },
            { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 16 * MB } },
          ],
          StopGracePeriod: 5e9,
        },
        Resources: { Limits: { MemoryBytes: spec.memoryMb * MB, NanoCPUs: Math.round(spec.cpus * 1e9), Pids: spec.pids } },
        RestartPolicy: { Condition: 'any', Delay: 1e9 },
        Placement: { Constraints: [...spec.placement, `node.id==${nodeId}`] },
        Networks: [{ Target: networkId }],
        ForceUpdate: 0,
      },
      Mode: { Replicated: { Replicas: spec.running ? 1 : 0 } },
      EndpointSpec: { Mode: 'dnsrr' },
    } satisfies ServiceSpec;
  }

  /**
   * The node the workspace runs on: the one its handle or its service names
   * (its data is there), else the eligible node with the most memory not yet
   * promised to workspaces. Eligible: ready, active, and meeting the plan's
   * constraints.
   */
  private async nodeFor(spec: WorkspaceSpec, service: Service | null, nodes: SwarmNode[], drift: string[]): Promise<SwarmNode> {
    const pinned = pinnedNode(service?.Spec) ?? spec.handle?.split('@')[1] ?? null;
    if (pinned) {
      const node = nodes.find((candidate) => candidate.ID === pinned);
      if (node) return node;
      drift.push(`the node ${pinned} that held the data volume has left the Swarm`);
    }
    const eligible = nodes.filter((node) => node.Status.State === 'ready' && availabilityOf(node) === 'active' && spec.placement.every((constraint) => meets(node, constraint)));
    if (eligible.length === 0) {
      throw new IntegrationError('containers', 'unavailable', `No ready, active node of the Swarm (none cordoned or drained) accepts new workspaces${spec.placement.length ? ` with ${spec.placement.join(', ')}` : ''}`);
    }
    const promised = new Map<string, number>();
    for (const other of await this.workspaceServices()) {
      const node = pinnedNode(other.Spec);
      if (node) promised.set(node, (promised.get(node) ?? 0) + (other.Spec.TaskTemplate.Resources?.Limits?.MemoryBytes ?? 0));
    }
    const free = (node: SwarmNode) => (node.Description?.Resources?.MemoryBytes ?? 0) - (promised.get(node.ID) ?? 0);
    return eligible.reduce((best, node) => (free(node) > free(best) ? node : best));
  }

  /**
   * The node a move puts the workspace on: one the manager knows (else
   * `not_found`) that meets the plan's constraints (else `conflict`). Whether
   * it is ready and active is the mover's rule, checked before: a failed move
   * puts the workspace back on its old node even when that one is cordoned.
   */
  private moveTarget(spec: WorkspaceSpec, nodeId: string, nodes: SwarmNode[]): SwarmNode {
    const node = nodes.find((candidate) => candidate.ID === nodeId);
    if (!node) throw new IntegrationError('containers', 'not_found', `The Swarm has no node ${nodeId}`);
    const unmet = spec.placement.filter((constraint) => !meets(node, constraint));
    if (unmet.length > 0) throw new IntegrationError('containers', 'conflict', `The node ${nameOf(node, nodes)} does not meet the plan's placement (${unmet.join(', ')})`);
    return node;
  }

  /**
   * Joins the edge's container to a tenant's overlay, once per network and
   * process. Kept by the network's id, not its name: a network of that name
   * removed and created again (by another API process too) is joined again.
   */
  private async attachEdge(networkId: string): Promise<void> {
    const edge = this.options.edgeContainer;
    if (!edge || this.edgeAttached.has(networkId)) return;
    await joinNetwork(() => this.docker.getNetwork(networkId).connect({ Container: edge }));
    this.edgeAttached.add(networkId);
  }

  /** A service update names the version it read, and `change` is applied again to a newer one: a concurrent update is never lost. */
  private async update(service: Service, change: (spec: ServiceSpec) => ServiceSpec): Promise<void> {
    const handle = this.docker.getService(service.ID);
    await updateInSequence(() => inspected(() => handle.inspect() as Promise<Service>), (version, spec) => handle.update({ _query: { version }, _body: spec } as never), change);
  }

  private network(name: string): Promise<{ Id: string; Labels?: Record<string, string> } | null> {
    return inspected(() => this.docker.getNetwork(name).inspect() as Promise<{ Id: string; Labels?: Record<string, string> }>);
  }

  private service(name: string): Promise<Service | null> {
    return inspected(() => this.docker.getService(name).inspect() as Promise<Service>);
  }

  private async ownService(workspace: WorkspaceRef): Promise<Service | null> {
    const name = workspaceNames(workspace.slug).container;
    const service = await this.service(name);
    if (service) mustOwn(workspace, 'service', name, service.Spec.Labels);
    return service;
  }

  private workspaceServices(): Promise<Service[]> {
    return workspaceServices(this.docker);
  }

  private tasks(filters: Record<string, string[]>): Promise<Task[]> {
    return listTasks(this.docker, filters);
  }

  /** The nodes: concurrent reconciles share one read of them. */
  private readonly nodes = sharedRead(() => listNodes(this.docker));
}

/** Every workspace service: labelled with a tenant and named after that tenant's slug. */
export async function workspaceServices(docker: Docker): Promise<Service[]> {
  const services = (await docker.listServices({ filters: JSON.stringify({ label: [TENANT_LABEL] }) } as never)) as unknown as Service[];
  return services.filter((service) => service.Spec.Name === workspaceNames(service.Spec.Labels?.[SLUG_LABEL] ?? '').container);
}

export async function listTasks(docker: Docker, filters: Record<string, string[]>): Promise<Task[]> {
  return (await docker.listTasks({ filters: JSON.stringify(filters) } as never)) as unknown as Task[];
}

export async function listNodes(docker: Docker): Promise<SwarmNode[]> {
  return (await docker.listNodes()) as SwarmNode[];
}

/** The node a service is pinned to, from its constraints. */
export function pinnedNode(spec: ServiceSpec | undefined): string | null {
  for (const constraint of spec?.TaskTemplate.Placement?.Constraints ?? []) {
    const match = NODE_PIN.exec(constraint);
    if (match?.[1]) return match[1];
  }
  return null;
}

/** A node in words: its host name, with its id when several nodes share that name (daemons on one host). */
export function nameOf(node: SwarmNode, nodes: SwarmNode[]): string {
  const hostname = node.Description?.Hostname ?? '';
  const shared = nodes.filter((other) => other.Description?.Hostname === hostname).length > 1;
  return !hostname ? node.ID.slice(0, 12) : shared ? `${hostname} (${node.ID.slice(0, 12)})` : hostname;
}

/**
 * A node's availability for workspaces: drained (Swarm's drain), cordoned
 * (Tessera's label, or Swarm's pause set by someone else), else active.
 */
export function availabilityOf(node: SwarmNode): NodeAvailability {
  if (node.Spec.Availability === 'drain') return 'drained';
  if (node.Spec.Availability === 'pause' || node.Spec.Labels?.[AVAILABILITY_LABEL] === 'cordoned') return 'cordoned';
  return 'active';
}

/** Whether a node meets one placement constraint (the forms config accepts). */
export function meets(node: SwarmNode, constraint: string): boolean {
  const match = /^node\.(.+?)(==|!=)(.+)$/.exec(constraint);
  if (!match) return false;
  const [, key = '', operator, expected] = match;
  const actual =
    key === 'id' ? node.ID
    : key === 'hostname' ? node.Description?.Hostname
    : key === 'role' ? node.Spec.Role
    : key === 'platform.os' ? node.Description?.Platform?.OS
    : key === 'platform.arch' ? node.Description?.Platform?.Architecture
    : key.startsWith('labels.') ? node.Spec.Labels?.[key.slice('labels.'.length)]
    : undefined;
  return operator === '==' ? actual === expected : actual !== expected;
}

/** The service's task that runs now: state running, wanted running, on a node the manager sees as ready. */
function runningTask(tasks: Task[], nodes: SwarmNode[]): Task | null {
  return tasks.find((task) => task.DesiredState === 'running' && task.Status.State === 'running' && nodes.find((node) => node.ID === task.NodeID)?.Status.State === 'ready') ?? null;
}

/** What a workspace service's tasks and nodes say: running only when a task runs on a ready node; else why not. */
export function stateOf(service: Service, tasks: Task[], nodes: SwarmNode[]): { state: WorkspaceState; startedAt: string | null; node: string | null; reason: string | null } {
  const nodeId = pinnedNode(service.Spec) ?? tasks[0]?.NodeID ?? null;
  const node = nodes.find((candidate) => candidate.ID === nodeId) ?? null;
  const nodeName = node ? nameOf(node, nodes) : nodeId;
  const running = runningTask(tasks, nodes);
  if (running) return { state: 'running', startedAt: running.Status.Timestamp ?? null, node: nodeName, reason: null };
  let reason: string | null = null;
  if (nodeId && !node) reason = `Its node ${nodeId} has left the Swarm.`;
  else if (node && node.Status.State !== 'ready') reason = `Its node ${nodeName} is ${node.Status.State}${node.Status.Message ? ` (${node.Status.Message})` : ''}.`;
  else if (node && node.Spec.Availability === 'drain') {
    const why = node.Spec.Labels?.[AVAILABILITY_REASON_LABEL]?.trim().replace(/[.]+$/, '');
    reason = `Its node ${nodeName} is drained${why ? `: ${why}` : ''}.`;
  }
  return { state: 'stopped', startedAt: null, node: nodeName, reason };
}

/** What of a service's spec differs from the wanted one (image, command, limits, hardening, placement, network), replicas and restarts aside. */
function differences(actual: ServiceSpec, wanted: ServiceSpec): string[] {
  const wrong: string[] = [];
  const a = actual.TaskTemplate;
  const w = wanted.TaskTemplate;
  if (a.ContainerSpec.Image !== w.ContainerSpec.Image || JSON.stringify(a.ContainerSpec.Command ?? []) !== JSON.stringify(w.ContainerSpec.Command)) wrong.push('image');
  const limits = a.Resources?.Limits ?? {};
  const want = w.Resources?.Limits ?? {};
  if (limits.MemoryBytes !== want.MemoryBytes || limits.NanoCPUs !== want.NanoCPUs || limits.Pids !== want.Pids) wrong.push('limits');
  if (a.ContainerSpec.User !== w.ContainerSpec.User || a.ContainerSpec.ReadOnly !== true || !(a.ContainerSpec.CapabilityDrop ?? []).includes('ALL')) wrong.push('hardening');
  const constraints = (spec: ServiceSpec) => [...(spec.TaskTemplate.Placement?.Constraints ?? [])].sort().join(',');
  if (constraints(actual) !== constraints(wanted)) wrong.push('placement');
  if ((a.Networks ?? []).map((network) => network.Target).join(',') !== (w.Networks ?? []).map((network) => network.Target).join(',')) wrong.push('network');
  return wrong;
}
