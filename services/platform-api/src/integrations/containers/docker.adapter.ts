import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { backUpWith, demultiplex, forgetWith, helperEnvironment, helperResult, HELPER_SCRIPT, manifestWith, restoreWith, type HelperOptions, type HelperOutput } from './backup-helper';
import {
  type BackupRepository,
  type SnapshotRetention,
  ContainerRuntime,
  type VolumeBackup,
  type VolumeManifest,
  type VolumeRestore,
  type LogOptions,
  type WorkspaceUsage,
  SLUG_LABEL,
  TENANT_LABEL,
  workspaceNames,
  type WorkspaceEngineEvent,
  type WorkspaceEnsured,
  type WorkspaceSpec,
  type WorkspaceState,
  type WorkspaceRef,
  type WorkspaceStatus,
} from './container-runtime.port';
import { IntegrationError } from '../integration-error';
import { dialLogs, engineCall, engineClient, ignoreConflict, inspected, joinNetwork, mustOwn, owns, ownerOf } from './engine-objects';

const MB = 1024 * 1024;

/**
 * ContainerRuntime on dockerode. Works against Docker Engine and Podman's
 * Docker-compatible API: every tenant network is created isolated (Podman's
 * bridges reach each other unless told not to; Docker's user bridges are
 * isolated already and ignore the option).
 */
export interface DockerRuntimeOptions {
  /** The engine's API socket (Docker Engine or Podman). */
  socketPath: string;
  /** Publish each workspace port on the host (on `publishAddress`), for an edge on the host. */
  publishPorts: boolean;
  /**
   * The engine host's address the ports are published on and the edge reaches
   * them at (default 127.0.0.1). Another address when the engine's loopback
   * is not the edge's: an engine in a network namespace of its own, or on
   * another machine.
   */
  publishAddress?: string;
  /** The edge's container (Traefik), joined to every tenant network; null when the edge reaches published ports. */
  edgeContainer: string | null;
}

export class DockerContainerRuntime extends ContainerRuntime {
  private readonly docker: Docker;
  /** For streams that stay open (a followed log): no idle timeout, which would cut a quiet stream. */
  private readonly streaming: Docker;
  /** Tenant networks the edge container was joined to by this process. */
  private readonly edgeAttached = new Set<string>();

  constructor(private readonly options: DockerRuntimeOptions) {
    super();
    this.docker = engineClient(options.socketPath);
    this.streaming = engineClient(options.socketPath, { streaming: true });
  }

  async ensureWorkspace(spec: WorkspaceSpec): Promise<WorkspaceEnsured> {
    if (spec.moveTo) throw new IntegrationError('containers', 'conflict', 'Workspaces run on one container engine here: there is no other node to move a workspace to. Moving needs a Docker Swarm (CONTAINER_RUNTIME=swarm).');
    return engineCall(async () => {
      const names = workspaceNames(spec.slug);
      const labels = { [TENANT_LABEL]: spec.tenantId, [SLUG_LABEL]: spec.slug };
      const drift: string[] = [];

      // The common case, a converged workspace, costs one inspect: a container in
      // the wanted state, as specified, implies its network and volume.
      const found = await inspected(() => this.docker.getContainer(names.container).inspect());
      if (found && found.Config.Labels?.[TENANT_LABEL] === spec.tenantId && found.State.Running === spec.running && this.differences(found, spec).length === 0) {
        await this.attachEdge(names.network);
        return { handle: found.Id, endpoints: this.endpointsOf(found, spec), drift };
      }

      // Nothing of another tenant's is joined, mounted or replaced: that needs an operator's repair.
      if (found) mustOwn(spec, 'container', names.container, found.Config.Labels);
      const network = await inspected(() => this.docker.getNetwork(names.network).inspect());
      if (network) mustOwn(spec, 'network', names.network, network.Labels);
      const volume = await inspected(() => this.docker.getVolume(names.volume).inspect());
      if (volume) mustOwn(spec, 'data volume', names.volume, volume.Labels);
      if (!network) {
        await ignoreConflict(() => this.docker.createNetwork({ Name: names.network, Driver: 'bridge', Options: { isolate: 'true' }, Labels: labels }));
        this.edgeAttached.delete(names.network);
        drift.push('network missing');
      }
      await this.attachEdge(names.network);
      if (!volume) {
        await ignoreConflict(() => this.docker.createVolume({ Name: names.volume, Labels: labels }));
        drift.push('data volume missing');
      }

      let container = found;
      if (container) {
        const wrong = this.differences(container, spec);
        if (wrong.length > 0) {
          drift.push(`container runs the wrong ${wrong.join(', ')}`);
          await this.docker.getContainer(names.container).remove({ force: true });
          container = null;
        }
      } else {
        drift.push('container missing');
      }
      if (!container) {
        await ignoreConflict(() => this.docker.createContainer(this.containerOptions(spec, labels)));
        container = await this.docker.getContainer(names.container).inspect();
      }

      const running = container.State.Running;
      if (spec.running && !running) {
        if (!drift.includes('container missing') && !drift.some((d) => d.startsWith('container runs'))) drift.push('container stopped');
        await this.ignoreNotModified(() => this.docker.getContainer(names.container).start());
        container = await this.docker.getContainer(names.container).inspect();
      } else if (!spec.running && running) {
        drift.push('container running while it should be stopped');
        await this.ignoreNotModified(() => this.docker.getContainer(names.container).stop({ t: 5 }));
      }
      return { handle: container.Id, endpoints: this.endpointsOf(container, spec), drift };
    });
  }

  async status(workspace: WorkspaceRef, withStats: boolean): Promise<WorkspaceStatus> {
    return engineCall(async () => {
      const container = await this.ownContainer(workspace);
      if (!container) return { state: 'missing', image: null, startedAt: null, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null };
      const running = container.State.Running;
      const base = { state: running ? 'running' : 'stopped', image: container.Config.Image, startedAt: running ? container.State.StartedAt : null } as const;
      if (!running || !withStats) return { ...base, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null };
      const stats = (await this.docker.getContainer(container.Id).stats({ stream: false })) as unknown as DockerStats;
      return { ...base, ...usageOf(stats) };
    });
  }

  async restart(workspace: WorkspaceRef): Promise<void> {
    await engineCall(async () => {
      const container = await this.ownContainer(workspace);
      if (container) await this.docker.getContainer(container.Id).restart({ t: 5 });
    });
  }

  async stop(workspace: WorkspaceRef): Promise<void> {
    await engineCall(async () => {
      const container = await this.ownContainer(workspace);
      if (container) await this.ignoreNotModified(() => this.docker.getContainer(container.Id).stop({ t: 5 }));
    });
  }

  async displaceForeign(workspace: WorkspaceRef): Promise<string[]> {
    return engineCall(async () => {
      const names = workspaceNames(workspace.slug);
      const foreign = (labels: Record<string, string> | undefined | null) => !owns(workspace, labels);
      const volume = await inspected(() => this.docker.getVolume(names.volume).inspect());
      if (volume && foreign(volume.Labels)) mustOwn(workspace, 'data volume', names.volume, volume.Labels);
      const removed: string[] = [];
      const container = await inspected(() => this.docker.getContainer(names.container).inspect());
      if (container && foreign(container.Config.Labels)) {
        await this.docker.getContainer(container.Id).remove({ force: true });
        removed.push(`container ${names.container} of ${ownerOf(container.Config.Labels)}`);
      }
      const network = await inspected(() => this.docker.getNetwork(names.network).inspect());
      if (network && foreign(network.Labels)) {
        await this.docker.getNetwork(names.network).remove();
        this.edgeAttached.delete(names.network);
        removed.push(`network ${names.network} of ${ownerOf(network.Labels)}`);
      }
      return removed;
    });
  }

  async ping(): Promise<void> {
    await engineCall(() => this.docker.ping());
  }

  watch(onEvent: (event: WorkspaceEngineEvent) => void): () => void {
    let stopped = false;
    let current: NodeJS.ReadableStream | null = null;
    const actions = new Set(['start', 'die', 'stop', 'restart', 'oom']);
    const follow = async () => {
      while (!stopped) {
        try {
          // Only the type is filtered by the engine: Podman's label filter on events differs from Docker's.
          const stream = await this.docker.getEvents({ filters: { type: ['container'] } });
          current = stream;
          await new Promise<void>((resolve) => {
            let buffer = '';
            stream.on('data', (chunk: Buffer) => {
              buffer += chunk.toString('utf8');
              const lines = buffer.split('\n');
              buffer = lines.pop() ?? '';
              for (const line of lines) {
                const event = parseEngineEvent(line, actions);
                if (event) onEvent(event);
              }
            });
            stream.on('end', () => resolve());
            stream.on('error', () => resolve());
          });
        } catch {
          // The engine is away: try again shortly.
        }
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    };
    void follow();
    return () => {
      stopped = true;
      (current as { destroy?: () => void } | null)?.destroy?.();
    };
  }

  async workspaceStates(): Promise<Map<string, WorkspaceState>> {
    return engineCall(async () => {
      const containers = await this.docker.listContainers({ all: true, filters: { label: [TENANT_LABEL] } });
      // By the label, not the name: a container named like a tenant's but labelled for another is not its workspace.
      const own = containers.filter((c) => c.Names.some((name) => name.replace(/^\//, '') === workspaceNames(c.Labels[SLUG_LABEL] ?? '').container));
      return new Map(own.map((c) => [c.Labels[TENANT_LABEL] ?? '', c.State === 'running' ? ('running' as const) : ('stopped' as const)]));
    });
  }

  async logs(workspace: WorkspaceRef, options: LogOptions): Promise<Readable> {
    const gone = () => new IntegrationError('containers', 'not_found', `The workspace of ${workspace.slug} has no container`);
    return engineCall(async () => {
      const container = await this.ownContainer(workspace);
      if (!container) throw gone();
      return dialLogs(this.streaming, `/containers/${container.Id}/logs?`, options, !container.Config.Tty, gone);
    });
  }

  async usage(workspace: WorkspaceRef): Promise<WorkspaceUsage | null> {
    return engineCall(async () => {
      const container = await this.ownContainer(workspace);
      if (!container?.State.Running) return null;
      // one-shot: Docker answers at once instead of waiting a second for a second reading; the sampler keeps the previous one.
      const stats = (await this.docker.getContainer(container.Id).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as DockerStats;
      const networks = Object.values(stats.networks ?? {});
      return {
        containerId: container.Id,
        startedAt: container.State.StartedAt,
        restartCount: container.RestartCount ?? 0,
        cpuNs: stats.cpu_stats?.cpu_usage?.total_usage ?? 0,
        systemCpuNs: stats.cpu_stats?.system_cpu_usage ?? 0,
        onlineCpus: stats.cpu_stats?.online_cpus ?? 1,
        memoryBytes: stats.memory_stats?.usage ?? 0,
        memoryLimitBytes: stats.memory_stats?.limit ?? null,
        rxBytes: networks.reduce((sum, network) => sum + (network.rx_bytes ?? 0), 0),
        txBytes: networks.reduce((sum, network) => sum + (network.tx_bytes ?? 0), 0),
      };
    });
  }

  backupVolume(workspace: WorkspaceRef, repository: BackupRepository, tags: string[], retention?: SnapshotRetention): Promise<VolumeBackup> {
    return backUpWith((operation, options) => this.runHelper(workspace, repository.image, operation, options), repository, tags, retention);
  }

  restoreVolume(workspace: WorkspaceRef, repository: BackupRepository, snapshotId: string, expected: string | null, from?: WorkspaceRef): Promise<VolumeRestore> {
    return restoreWith((operation, options) => this.runHelper(workspace, repository.image, operation, options), repository, snapshotId, expected, from);
  }

  volumeManifest(workspace: WorkspaceRef, image: string, limit: number): Promise<VolumeManifest & { lines: string[] }> {
    return manifestWith((operation, options) => this.runHelper(workspace, image, operation, options), limit);
  }

  forgetSnapshots(workspace: WorkspaceRef, repository: BackupRepository, keepLast: number, keepDaily = 0): Promise<string[]> {
    return forgetWith((operation, options) => this.runHelper(workspace, repository.image, operation, options), repository, keepLast, keepDaily);
  }

  /**
   * Runs one operation of the backup helper against the workspace's data
   * volume (which must be the tenant's) and answers what it printed; removes
   * the helper whatever happens. The helper runs as root with only the
   * capabilities that read and restore files of any owner, no network for a
   * volume repository (the engine's default network for S3), a read-only root
   * and a /tmp in memory.
   */
  private async runHelper(
    workspace: WorkspaceRef,
    image: string,
    operation: string,
    options: HelperOptions,
  ): Promise<HelperOutput> {
    const names = workspaceNames(workspace.slug);
    const container = await engineCall(async () => {
      const volume = await inspected(() => this.docker.getVolume(names.volume).inspect());
      if (!volume) throw new IntegrationError('backups', 'not_found', `The workspace of ${workspace.slug} has no data volume yet`);
      mustOwn(workspace, 'data volume', names.volume, volume.Labels);
      const mounts: Docker.MountSettings[] = [{ Type: 'volume', Source: names.volume, Target: '/data', ReadOnly: options.readOnly }];
      const { env, repositoryVolume, s3 } = helperEnvironment(workspace, operation, options);
      if (repositoryVolume) {
        await ignoreConflict(() => this.docker.createVolume({ Name: repositoryVolume, Labels: { 'io.tessera.role': 'backups' } }));
        mounts.push({ Type: 'volume', Source: repositoryVolume, Target: '/repo' });
      }
      return this.docker.createContainer({
        name: `${names.container.replace(/-app$/, '')}-backup-${randomBytes(3).toString('hex')}`,
        Image: image,
        Cmd: ['/bin/sh', '-c', HELPER_SCRIPT],
        Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
        User: '0:0',
        Labels: { [TENANT_LABEL]: workspace.tenantId, [SLUG_LABEL]: workspace.slug, 'io.tessera.role': 'backup-helper' },
        HostConfig: {
          Mounts: mounts,
          ...(s3 ? {} : { NetworkMode: 'none' }),
          CapDrop: ['ALL'],
          CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: true,
          Tmpfs: { '/tmp': 'rw,nosuid,size=512m' },
        },
      });
    });
    try {
      // No timeout: a large volume takes as long as it takes (the streaming client has none).
      const helper = this.streaming.getContainer(container.id);
      await engineCall(() => helper.start());
      const result = (await engineCall(() => helper.wait())) as { StatusCode?: number };
      const logs = (await engineCall(() => helper.logs({ stdout: true, stderr: true, follow: false }))) as unknown as Buffer;
      const { out, err } = demultiplex(logs);
      return helperResult(workspace, operation, out, err, result.StatusCode);
    } finally {
      await this.docker
        .getContainer(container.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }

  private containerOptions(spec: WorkspaceSpec, labels: Record<string, string>): Docker.ContainerCreateOptions {
    const names = workspaceNames(spec.slug);
    const ports = spec.ports.map((port) => `${port}/tcp`);
    return {
      name: names.container,
      Image: spec.image,
      Cmd: spec.command,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      User: spec.user,
      Labels: labels,
      ExposedPorts: Object.fromEntries(ports.map((port) => [port, {}])),
      HostConfig: {
        NetworkMode: names.network,
        // The data volume is the only mount: no host paths, never the engine's socket.
        Mounts: [{ Type: 'volume', Source: names.volume, Target: '/data' }],
        // A tiny init as PID 1 forwards signals (a prompt stop) and reaps zombies.
        Init: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=16m' },
        Memory: spec.memoryMb * MB,
        NanoCpus: Math.round(spec.cpus * 1e9),
        PidsLimit: spec.pids,
        RestartPolicy: { Name: 'unless-stopped' },
        ...(this.options.publishPorts ? { PortBindings: Object.fromEntries(ports.map((port) => [port, [{ HostIp: this.publishAddress, HostPort: '' }]])) } : {}),
      },
    };
  }

  /** What of the running container differs from the spec (image, ports, limits, user, hardening). */
  private differences(container: Docker.ContainerInspectInfo, spec: WorkspaceSpec): string[] {
    const wrong: string[] = [];
    const host = container.HostConfig;
    if (container.Config.Image !== spec.image) wrong.push('image');
    // Every service's port exposed (the image may expose more of its own) and, when publishing, exactly those published.
    const wanted = spec.ports.map((port) => `${port}/tcp`);
    const exposed = container.Config.ExposedPorts ?? {};
    const published = Object.keys(host.PortBindings ?? {});
    const publishedRight = !this.options.publishPorts || (published.length === wanted.length && wanted.every((port) => published.includes(port)));
    if (!wanted.every((port) => port in exposed) || !publishedRight) wrong.push('ports');
    if (host.Memory !== spec.memoryMb * MB || host.NanoCpus !== Math.round(spec.cpus * 1e9) || host.PidsLimit !== spec.pids) wrong.push('limits');
    if (container.Config.User !== spec.user || host.ReadonlyRootfs !== true || !(host.SecurityOpt ?? []).includes('no-new-privileges')) wrong.push('hardening');
    return wrong;
  }

  /**
   * Joins the edge's container (WORKSPACE_EDGE_CONTAINER: Traefik, in the
   * compose stack) to a tenant network, so it reaches the workspace by name;
   * once per network and process. Nothing else joins tenant networks.
   */
  private async attachEdge(network: string): Promise<void> {
    const edge = this.options.edgeContainer;
    if (!edge || this.edgeAttached.has(network)) return;
    await joinNetwork(() => this.docker.getNetwork(network).connect({ Container: edge }));
    this.edgeAttached.add(network);
  }

  private get publishAddress(): string {
    return this.options.publishAddress ?? '127.0.0.1';
  }

  /** Per port: the published address (publishPorts), else the container's name on its network. */
  private endpointsOf(container: Docker.ContainerInspectInfo, spec: WorkspaceSpec): Record<number, string> {
    return Object.fromEntries(
      spec.ports.map((port) => {
        const published = container.NetworkSettings.Ports?.[`${port}/tcp`]?.[0]?.HostPort;
        return [port, this.options.publishPorts && published ? `http://${this.publishAddress}:${published}` : `http://${workspaceNames(spec.slug).container}:${port}`];
      }),
    );
  }

  /** The workspace's container, null when there is none; `conflict` when the one of that name is another tenant's. */
  private async ownContainer(workspace: WorkspaceRef): Promise<Docker.ContainerInspectInfo | null> {
    const name = workspaceNames(workspace.slug).container;
    const container = await inspected(() => this.docker.getContainer(name).inspect());
    if (container) mustOwn(workspace, 'container', name, container.Config.Labels);
    return container;
  }

  private async ignoreNotModified(change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
    } catch (error: unknown) {
      if ((error as { statusCode?: number }).statusCode !== 304) throw error;
    }
  }
}

interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/** CPU % as `docker stats` computes it, from the two samples one stats call returns. */
function usageOf(stats: DockerStats): Pick<WorkspaceStatus, 'cpuPercent' | 'memoryBytes' | 'memoryLimitBytes'> {
  const cpu = (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) - (stats.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const system = (stats.cpu_stats?.system_cpu_usage ?? 0) - (stats.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = stats.cpu_stats?.online_cpus ?? 1;
  return {
    cpuPercent: system > 0 && cpu >= 0 ? Math.round((cpu / system) * cpus * 10_000) / 100 : 0,
    memoryBytes: stats.memory_stats?.usage ?? null,
    memoryLimitBytes: stats.memory_stats?.limit ?? null,
  };
}

/** One line of the engine's event stream, when it is about a workspace container. */
function parseEngineEvent(line: string, actions: Set<string>): WorkspaceEngineEvent | null {
  try {
    const raw = JSON.parse(line) as { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; timeNano?: number };
    const attributes = raw.Actor?.Attributes ?? {};
    const slug = attributes[SLUG_LABEL];
    const tenantId = attributes[TENANT_LABEL];
    const action = raw.Action?.split(':')[0] ?? '';
    if (raw.Type !== 'container' || !slug || !tenantId || !actions.has(action)) return null;
    return { tenantId, slug, action: action as WorkspaceEngineEvent['action'], id: `${raw.Actor?.ID ?? ''}:${raw.timeNano ?? 0}:${action}` };
  } catch {
    return null;
  }
}
