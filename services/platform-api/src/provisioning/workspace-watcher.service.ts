import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ChangeFeed } from '../common/change-feed';
import { Notifier } from '../common/notifier';
import { AppConfig } from '../config/app-config';
import { ContainerRuntime, type WorkspaceEngineEvent } from '../integrations/containers/container-runtime.port';
import { TenantsRepository } from '../tenants/tenants.repository';

const STATE_AFTER: Record<WorkspaceEngineEvent['action'], string> = { start: 'running', restart: 'running', die: 'stopped', stop: 'stopped', oom: 'stopped' };
const CHANGE: Record<WorkspaceEngineEvent['action'], string> = { start: 'started', restart: 'restarted', die: 'died', stop: 'stopped', oom: 'out-of-memory' };

/**
 * What the engine does to workspaces, as live events: a container that dies,
 * is started or stopped — by Tessera or out of band — is on every open page
 * within a poll. Every API process follows the engine; the event's key (the
 * engine's own id of it) stores it once.
 *
 * A workspace that dies (or runs out of memory) while its tenant is live and
 * not asleep, and is still not running WORKSPACE_DOWN_GRACE_SECONDS later (a
 * restart dies and starts again), is down: its people are told
 * (workspace.down), once per engine event whichever process sees it.
 */
@Injectable()
export class WorkspaceWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkspaceWatcher.name);
  private stop: (() => void) | null = null;
  private readonly checks = new Set<NodeJS.Timeout>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly feed: ChangeFeed,
    private readonly tenants: TenantsRepository,
    private readonly notifier: Notifier,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = this.runtime.watch((event) => {
      void this.feed.publish({ type: 'workspace', tenantId: event.tenantId, change: CHANGE[event.action], state: STATE_AFTER[event.action], key: `engine:${event.id}` });
      if (event.action === 'die' || event.action === 'oom') this.checkLater(event);
    });
  }

  onApplicationShutdown(): void {
    this.stop?.();
    for (const check of this.checks) clearTimeout(check);
  }

  private checkLater(event: WorkspaceEngineEvent): void {
    const check = setTimeout(() => {
      this.checks.delete(check);
      void this.checkDown(event).catch((error: unknown) => this.logger.warn({ err: error, tenant: event.slug }, 'could not tell whether a workspace is down'));
    }, this.config.workspace.downGraceMs);
    check.unref();
    this.checks.add(check);
  }

  /** Tells people when the workspace is still not running and should be. */
  async checkDown(event: WorkspaceEngineEvent): Promise<boolean> {
    const tenant = await this.tenants.fresh(event.tenantId);
    if (!tenant || tenant.status !== 'active' || tenant.workspaceStopped) return false;
    const status = await this.runtime.status({ tenantId: tenant.id, slug: tenant.slug }, false);
    if (status.state === 'running') return false;
    await this.notifier.notify({
      kind: 'workspace.down',
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      subject: `The workspace of ${tenant.name} is down`,
      text: `The workspace of ${tenant.name} (${tenant.slug}) ${event.action === 'oom' ? 'ran out of memory' : 'stopped'} and has not started again.${status.reason ? ` ${status.reason}` : ''}\n\nRestarting it from the portal, or a reconcile, usually brings it back.`,
      key: `workspace.down:${event.id}`,
    });
    return true;
  }
}
