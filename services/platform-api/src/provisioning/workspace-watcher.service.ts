import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ChangeFeed } from '../common/change-feed';
import { ContainerRuntime, type WorkspaceEngineEvent } from '../integrations/containers/container-runtime.port';

const STATE_AFTER: Record<WorkspaceEngineEvent['action'], string> = { start: 'running', restart: 'running', die: 'stopped', stop: 'stopped', oom: 'stopped' };
const CHANGE: Record<WorkspaceEngineEvent['action'], string> = { start: 'started', restart: 'restarted', die: 'died', stop: 'stopped', oom: 'out-of-memory' };

/**
 * What the engine does to workspaces, as live events: a container that dies,
 * is started or stopped — by Tessera or out of band — is on every open page
 * within a poll. Every API process follows the engine; the event's key (the
 * engine's own id of it) stores it once.
 */
@Injectable()
export class WorkspaceWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop: (() => void) | null = null;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly feed: ChangeFeed,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = this.runtime.watch((event) => {
      void this.feed.publish({ type: 'workspace', tenantId: event.tenantId, change: CHANGE[event.action], state: STATE_AFTER[event.action], key: `engine:${event.id}` });
    });
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}
