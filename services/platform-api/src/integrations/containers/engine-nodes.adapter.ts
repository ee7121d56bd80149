import type Docker from 'dockerode';
import { IntegrationError } from '../integration-error';
import { ContainerNodes, type EngineNode, type EngineNodeWorkspace } from './container-nodes.port';
import { SLUG_LABEL, TENANT_LABEL, workspaceNames } from './container-runtime.port';
import { engineCall, engineClient, inspected } from './engine-objects';

/** How many containers are inspected at once for their limits. */
const INSPECT_CONCURRENCY = 8;

/**
 * The one Docker or Podman engine of a single-host platform, as a node: what
 * the engine says of its host (name, CPUs, memory) and the workspace
 * containers on it with their limits. It cannot be cordoned or drained:
 * there is no other node to place or keep workspaces on.
 */
export class EngineContainerNodes extends ContainerNodes {
  readonly kind = 'engine';
  private readonly docker: Docker;

  constructor(options: { socketPath: string }) {
    super();
    this.docker = engineClient(options.socketPath);
  }

  list(): Promise<EngineNode[]> {
    return engineCall(async () => {
      const info = (await this.docker.info()) as { ID?: string; Name?: string; NCPU?: number; MemTotal?: number };
      const containers = await this.docker.listContainers({ all: true, filters: { label: [TENANT_LABEL] } });
      const own = containers.filter((c) => c.Names.some((name) => name.replace(/^\//, '') === workspaceNames(c.Labels[SLUG_LABEL] ?? '').container));
      const workspaces: EngineNodeWorkspace[] = [];
      for (let at = 0; at < own.length; at += INSPECT_CONCURRENCY) {
        const inspectedBatch = await Promise.all(own.slice(at, at + INSPECT_CONCURRENCY).map((c) => inspected(() => this.docker.getContainer(c.Id).inspect())));
        for (const container of inspectedBatch) {
          if (!container) continue; // removed meanwhile
          workspaces.push({
            tenantId: container.Config.Labels?.[TENANT_LABEL] ?? '',
            slug: container.Config.Labels?.[SLUG_LABEL] ?? '',
            state: container.State.Running ? 'running' : 'stopped',
            memoryBytes: container.HostConfig.Memory ?? 0,
            cpus: (container.HostConfig.NanoCpus ?? 0) / 1e9,
          });
        }
      }
      const name = info.Name || 'engine';
      return [
        {
          id: info.ID || name,
          name,
          role: 'engine',
          state: 'ready',
          message: null,
          availability: 'active',
          reason: null,
          address: null,
          cpus: info.NCPU ?? 0,
          memoryBytes: info.MemTotal ?? 0,
          labels: {},
          workspaces: workspaces.sort((a, b) => a.slug.localeCompare(b.slug)),
        },
      ];
    });
  }

  setAvailability(): Promise<EngineNode> {
    return Promise.reject(
      new IntegrationError('containers', 'conflict', 'Workspaces run on one container engine here: there is no other node to place them on, so it cannot be cordoned or drained. Cordon and drain need a Docker Swarm (CONTAINER_RUNTIME=swarm).'),
    );
  }

  /** One engine ignores placement: its one node meets every constraint. */
  async unmetPlacement(): Promise<Map<string, string[]>> {
    return new Map((await this.list()).map((node) => [node.id, []]));
  }
}
