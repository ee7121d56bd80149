import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PlatformBackupOverview, PlatformBackupRun } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { Notifier } from '../common/notifier';
import { AppConfig } from '../config/app-config';
import { LeaseRepository } from '../provisioning/lease.repository';
import { UsersRepository } from '../users/users.repository';
import type { PlatformBackupRunRecord } from './platform-backup-run.schema';
import { PlatformBackupRunsRepository } from './platform-backup-runs.repository';
import { PlatformBackupService } from './platform-backup.service';

const LEASE = 'platform-backup';
/** How long a backup may hold the lease: a process that died mid-backup holds up the next one this long. */
const LEASE_MS = 60 * 60_000;
/** How often the schedule looks whether a backup is due (or every interval, if shorter). */
const TICK_MS = 5 * 60_000;

/** What one pass did: for logs and tests. */
export interface BackupPassReport {
  /** Why it did nothing (not due, another process backing up), else null. */
  skipped: string | null;
  run: PlatformBackupRunRecord | null;
}

/**
 * The platform database backup, inside the API: on a schedule
 * (PLATFORM_BACKUP_INTERVAL_HOURS, off when 0) and on an operator's request.
 * One backup runs at a time across every API process (a lease in the
 * database); the schedule takes one when the last run is an interval old, so
 * a restart neither skips nor repeats one. Every run is recorded with its
 * size, duration and result; a failure tells operators through the Notifier
 * (`backup.failed`). Tests call `pass()` and move the clock.
 */
@Injectable()
export class PlatformBackupSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PlatformBackupSchedule.name);
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly backups: PlatformBackupService,
    private readonly runs: PlatformBackupRunsRepository,
    private readonly users: UsersRepository,
    private readonly leases: LeaseRepository,
    private readonly notifier: Notifier,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.platformBackup.intervalMs;
    if (interval <= 0) return;
    this.timer = setInterval(() => void this.pass().catch((error: unknown) => this.logger.warn({ err: error }, 'platform backup pass failed')), Math.min(interval, TICK_MS));
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** The schedule's pass: a backup when one is due and no other process is taking one. */
  pass(): Promise<BackupPassReport> {
    return this.track(async () => {
      const interval = this.config.platformBackup.intervalMs;
      if (interval <= 0) return { skipped: 'no schedule (PLATFORM_BACKUP_INTERVAL_HOURS is 0)', run: null };
      return this.underLease(async () => {
        const last = await this.runs.latest();
        if (last && this.clock.now().getTime() - last.startedAt.getTime() < interval) return { skipped: 'not due yet', run: null };
        return { skipped: null, run: await this.runOnce('schedule', null) };
      });
    });
  }

  /** An operator's backup, now: answered once it has ended (409 while another runs). A failed one is recorded and answered as such, not as an error. */
  async start(actor: Actor): Promise<Mutation<PlatformBackupRun>> {
    const report = await this.track(() => this.underLease(async () => ({ skipped: null, run: await this.runOnce('operator', actor.user?.id ?? null) })));
    if (!report.run) throw DomainError.conflict('A backup of the platform database is running right now: wait for it to end, then look at the list');
    const run = report.run;
    return mutation((await this.describe([run]))[0]!, {
      action: 'platform.backup',
      target: { type: 'platform-backup', id: run.id },
      changes: { result: { from: null, to: run.result }, ...(run.name ? { backup: { from: null, to: run.name } } : {}) },
    });
  }

  async overview(page: number, pageSize: number): Promise<PlatformBackupOverview> {
    const { items, total } = await this.runs.list((page - 1) * pageSize, pageSize);
    const interval = this.config.platformBackup.intervalMs;
    const last = page === 1 ? (items[0] ?? null) : await this.runs.latest();
    const nextDueAt = interval <= 0 ? null : new Date(last ? last.startedAt.getTime() + interval : this.clock.now().getTime()).toISOString();
    return { schedule: { intervalHours: interval / 3_600_000, nextDueAt, keep: this.config.platformBackup.keep }, runs: await this.describe(items), total, page, pageSize };
  }

  // ---- helpers -----------------------------------------------------------

  private async underLease(work: () => Promise<BackupPassReport>): Promise<BackupPassReport> {
    if (!(await this.leases.acquire(LEASE, this.holder, LEASE_MS))) return { skipped: 'another backup is running', run: null };
    try {
      return await work();
    } finally {
      await this.leases.release(LEASE, this.holder).catch(() => undefined);
    }
  }

  /** Takes one backup and records how it went; a failure notifies and never throws. */
  private async runOnce(trigger: 'schedule' | 'operator', startedBy: string | null): Promise<PlatformBackupRunRecord> {
    const startedAt = this.clock.now();
    const started = performance.now();
    try {
      const manifest = await this.backups.backup(trigger);
      return await this.runs.insert({
        trigger,
        result: 'succeeded',
        startedAt,
        finishedAt: this.clock.now(),
        durationMs: Math.round(performance.now() - started),
        name: manifest.name,
        sizeBytes: manifest.sizeBytes,
        collections: manifest.collections.length,
        documents: manifest.collections.reduce((sum, c) => sum + c.documents, 0),
        error: null,
        startedBy,
      });
    } catch (error: unknown) {
      const why = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error }, 'platform database backup failed');
      const run = await this.runs.insert({ trigger, result: 'failed', startedAt, finishedAt: this.clock.now(), durationMs: Math.round(performance.now() - started), name: null, sizeBytes: null, collections: null, documents: null, error: why, startedBy });
      await this.notifier.notify({
        kind: 'backup.failed',
        subject: 'The platform database backup failed',
        text: `The ${trigger === 'schedule' ? 'scheduled' : "operator's"} backup of the platform database started at ${startedAt.toISOString()} failed: ${why}. Nothing was written in its place; the last good backup is still the newest. See the Infrastructure page of the console.`,
        key: `backup.failed:platform:${run.id}`,
      });
      return run;
    }
  }

  private async describe(runs: PlatformBackupRunRecord[]): Promise<PlatformBackupRun[]> {
    const ids = [...new Set(runs.map((r) => r.startedBy).filter((id): id is string => id !== null))];
    const names = new Map((ids.length > 0 ? await this.users.findByIds(ids) : []).map((u) => [u.id, u.name || u.email]));
    return runs.map((run) => ({
      id: run.id,
      trigger: run.trigger,
      result: run.result,
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt.toISOString(),
      durationMs: run.durationMs,
      name: run.name,
      sizeBytes: run.sizeBytes,
      collections: run.collections,
      documents: run.documents,
      error: run.error,
      startedBy: run.startedBy ? (names.get(run.startedBy) ?? null) : null,
    }));
  }

  /** Keeps what runs, so a shutdown waits for a backup under way. */
  private track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.inFlight.add(promise);
    promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    );
    return promise;
  }
}
