import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TenantsRepository } from '../tenants/tenants.repository';

/**
 * Last-activity times of the tenants the edge let requests through to. A
 * request only sets a time in memory; the times are written in one batch
 * every EDGE_ACTIVITY_FLUSH_SECONDS (and before the idle pass and at
 * shutdown), so a busy workspace costs one write per interval, not one per
 * request.
 */
@Injectable()
export class EdgeActivity implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EdgeActivity.name);
  private seen = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush().catch((error: unknown) => this.logger.warn({ err: error }, 'activity flush failed')), this.config.edge.activityFlushMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  touch(tenantId: string, at: Date): void {
    this.seen.set(tenantId, at);
  }

  /** When this process last saw the tenant, if that time is not written yet (the idle pass flushes first, then asks). */
  lastSeen(tenantId: string): Date | undefined {
    return this.seen.get(tenantId);
  }

  async flush(): Promise<void> {
    if (this.seen.size === 0) return;
    const batch = this.seen;
    this.seen = new Map();
    try {
      await this.tenants.recordActivity(batch);
    } catch (error: unknown) {
      // Keep what could not be written for the next flush, unless newer times came meanwhile.
      for (const [id, at] of batch) if (!this.seen.has(id)) this.seen.set(id, at);
      throw error;
    }
  }
}
