import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { PlanCatalog } from '../plans/plan-catalog.service';
import { LeaseRepository } from '../provisioning/lease.repository';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { BackupsRepository } from './backups.repository';
import { BackupsService, SYSTEM } from './backups.service';

const LEASE = 'backup-schedule';
const HOUR = 3_600_000;

/** What one pass did: for logs and tests. */
export interface BackupPassReport {
  /** Why it did nothing (another process running the schedule, backups not configured), else null. */
  skipped: string | null;
  /** Slugs backed up, and those whose backup failed (recorded and notified). */
  succeeded: string[];
  failed: string[];
}

/**
 * The backup schedule: every BACKUP_CHECK_SECONDS it backs up each live
 * tenant with a workspace whose plan's interval has passed since its last
 * backup that succeeded (a failed one is tried again after an hour, or the
 * interval if shorter), and applies the plan's retention. One process runs
 * a pass at a time (a lease in the database), a pass asked for while one
 * runs in this process is that pass, and each tenant's backup lock keeps an
 * on-demand backup and a scheduled one apart. Tests call `pass()` and move
 * the clock.
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BackupScheduler.name);
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BackupPassReport> | null = null;

  constructor(
    private readonly service: BackupsService,
    private readonly backups: BackupsRepository,
    private readonly tenants: TenantsRepository,
    private readonly catalog: PlanCatalog,
    private readonly leases: LeaseRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.backups.checkMs;
    if (interval <= 0 || !this.config.backups.repository) return;
    this.timer = setInterval(() => void this.pass().catch((error: unknown) => this.logger.warn({ err: error }, 'backup pass failed')), interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Runs a pass now (or answers the one under way in this process). */
  pass(): Promise<BackupPassReport> {
    this.running ??= this.runPass().finally(() => (this.running = null));
    return this.running;
  }

  private async runPass(): Promise<BackupPassReport> {
    const report: BackupPassReport = { skipped: null, succeeded: [], failed: [] };
    const repository = this.config.backups.repository;
    if (!repository) return { ...report, skipped: this.config.backups.disabledReason ?? 'backups are not configured' };
    // Held while the pass runs; a process that died mid-pass holds the schedule up this long.
    if (!(await this.leases.acquire(LEASE, this.holder, 6 * HOUR))) return { ...report, skipped: 'another process is running the backup schedule' };
    try {
      for (const tenant of await this.tenants.listAll()) {
        if (!(await this.due(tenant))) continue;
        try {
          const record = await this.service.locked(tenant, () => this.service.takeLocked(tenant, 'schedule', SYSTEM, repository));
          (record.result === 'succeeded' ? report.succeeded : report.failed).push(tenant.slug);
        } catch (error: unknown) {
          // Its lock is held by an on-demand backup or a restore: the tenant is backed up now anyway, or at the next pass.
          if (!(error instanceof DomainError)) throw error;
        }
      }
      return report;
    } finally {
      await this.leases.release(LEASE, this.holder).catch(() => undefined);
    }
  }

  /** Live, with a workspace, on a plan with a schedule, and its interval passed. */
  private async due(tenant: TenantRecord): Promise<boolean> {
    if (tenant.status === 'terminated' || tenant.status === 'suspended' || tenant.approval === 'pending' || tenant.approval === 'rejected') return false;
    if (tenant.provisioning['workspace']?.state !== 'ok') return false;
    const { intervalHours } = (await this.catalog.get(tenant.plan)).backups;
    if (intervalHours <= 0) return false;
    const now = this.clock.now().getTime();
    const interval = intervalHours * HOUR;
    const { succeeded, attempted } = await this.backups.latest(tenant.id);
    if (succeeded && now - succeeded.startedAt.getTime() < interval) return false;
    if (attempted && attempted.result === 'failed' && now - attempted.startedAt.getTime() < Math.min(interval, HOUR)) return false;
    // A backup running (in another process, or left `running` by one that died) is waited for until the retry time.
    if (attempted && attempted.result === 'running' && now - attempted.startedAt.getTime() < Math.min(interval, HOUR)) return false;
    return true;
  }
}
