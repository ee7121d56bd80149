import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { TenantsRepository } from '../tenants/tenants.repository';

/** What this process knows of one tenant's activity: when it last wrote it, and a newer time not yet written. */
interface Seen {
  writtenAt: number;
  pending: Date | null;
}

/**
 * Last-activity times of the tenants the edge let requests through to, kept
 * in the database so that every API process decides idle sleep from the same
 * value. A request writes its tenant's time at once when this process has not
 * written it for EDGE_ACTIVITY_FLUSH_SECONDS (on the platform's clock);
 * otherwise the time waits in memory and a later request, the flush timer,
 * the idle pass or shutdown writes it. So a busy workspace costs at most one
 * write per process per interval, never one per request, and the time in the
 * database is never more than one interval behind any process's last
 * request: the idle pass adds that interval to the idle time (see
 * WorkspaceSleep), and a workspace served by another process is not put to
 * sleep. A tenant never served has no time, and its first request is
 * written at once.
 */
@Injectable()
export class EdgeActivity implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EdgeActivity.name);
  private readonly seen = new Map<string, Seen>();
  /** Writes under way: a flush waits for them, so what it leaves behind is in the database. */
  private readonly writing = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // Twice per interval, so a time left pending is written about one interval after the last write.
    this.timer = setInterval(() => void this.sweep().catch((error: unknown) => this.logger.warn({ err: error }, 'activity flush failed')), Math.max(500, this.config.edge.activityFlushMs / 2));
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  /** The longest a request's time can be missing from the database, whichever process served it. */
  get lagMs(): number {
    return this.config.edge.activityFlushMs;
  }

  touch(tenantId: string, at: Date): void {
    const now = this.clock.now().getTime();
    const known = this.seen.get(tenantId);
    if (known && now - known.writtenAt < this.lagMs) {
      if (!known.pending || known.pending < at) known.pending = at;
      return;
    }
    this.seen.set(tenantId, { writtenAt: now, pending: null });
    this.write(new Map([[tenantId, at]]));
  }

  /** Writes every time not yet written, and waits for writes under way (the idle pass and shutdown call it). */
  async flush(): Promise<void> {
    await this.writeDue(() => true);
  }

  /** Resolves once the writes under way are done, leaving the times kept in memory there (tests wait on it instead of sleeping). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.writing]);
  }

  /** The timer's turn: the pending times of tenants written an interval ago or more; tenants quiet for an interval are forgotten. */
  private async sweep(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const [id, known] of this.seen) if (!known.pending && now - known.writtenAt >= this.lagMs) this.seen.delete(id);
    await this.writeDue((known) => now - known.writtenAt >= this.lagMs);
  }

  private async writeDue(due: (known: Seen) => boolean): Promise<void> {
    const now = this.clock.now().getTime();
    const batch = new Map<string, Date>();
    for (const [id, known] of this.seen) {
      if (!known.pending || !due(known)) continue;
      batch.set(id, known.pending);
      known.pending = null;
      known.writtenAt = now;
    }
    if (batch.size > 0) this.write(batch);
    const failures = (await Promise.allSettled([...this.writing])).filter((result) => result.status === 'rejected');
    if (failures[0]) throw failures[0].reason;
  }

  private write(batch: Map<string, Date>): void {
    const done: Promise<void> = this.tenants
      .recordActivity(batch)
      .catch((error: unknown) => {
        // Kept for the next write: the next request writes at once, the timer otherwise.
        for (const [id, at] of batch) {
          const known = this.seen.get(id) ?? { writtenAt: 0, pending: null };
          known.writtenAt = 0;
          if (!known.pending || known.pending < at) known.pending = at;
          this.seen.set(id, known);
        }
        this.logger.warn({ err: error }, 'activity write failed');
        throw error;
      })
      .finally(() => this.writing.delete(done));
    // Seen by flush; a failure nobody awaits is logged above, not thrown at the process.
    done.catch(() => undefined);
    this.writing.add(done);
  }
}
