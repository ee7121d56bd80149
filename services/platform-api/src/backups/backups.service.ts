import { Injectable, Logger } from '@nestjs/common';
import type { BackupTrigger, Page, RestoreDrill, TenantBackup as TenantBackupShape } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { actorKind, type Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { Notifier } from '../common/notifier';
import { AppConfig } from '../config/app-config';
import { ContainerRuntime, type BackupRepository, type VolumeRestore, type WorkspaceRef } from '../integrations/containers/container-runtime.port';
import { IntegrationDisabled, IntegrationError, isIntegrationError } from '../integrations/integration-error';
import { mutation, tenantTarget, type Mutation } from '../audit/mutation';
import { PlanCatalog } from '../plans/plan-catalog.service';
import { LeaseRepository } from '../provisioning/lease.repository';
import { TenantBackups, type SafetyBackup } from '../tenants/tenant-backups';
import type { TenantRecord } from '../tenants/tenant.schema';
import { UsersRepository } from '../users/users.repository';
import type { BackupActorRecord, BackupRecord } from './backup.schema';
import { BackupsRepository } from './backups.repository';
import { describeBytes, mapBackup } from './backups.dto';

/** How long one tenant's backup lock lasts: a backup or a restore of a large volume takes as long as it takes, up to this. */
const LOCK_TTL_MS = 2 * 3_600_000;

export const SYSTEM: BackupActorRecord = { kind: 'system', userId: null };

export function backupActor(actor: Actor | null): BackupActorRecord {
  return actor ? { kind: actorKind(actor), userId: actor.user?.id ?? null } : SYSTEM;
}

export const workspaceOf = (tenant: { id: string; slug: string }): WorkspaceRef => ({ tenantId: tenant.id, slug: tenant.slug });

/**
 * The restore drill of a finished restore: restic verified the restored
 * content against the snapshot (restore --verify) and, when the backup
 * recorded its file list, the restored volume's list is compared with it.
 * Without a recorded list, restic's verification is the proof.
 */
export function restoreDrill(expected: string | null, restored: VolumeRestore): RestoreDrill {
  const verifiedAgainstSnapshot = restored.verifiedFiles !== null;
  return {
    expectedChecksum: expected,
    actualChecksum: restored.manifest.checksum,
    files: restored.manifest.files,
    verifiedAgainstSnapshot,
    passed: expected ? restored.manifest.checksum === expected : verifiedAgainstSnapshot ? true : null,
  };
}

/**
 * Tenant backups: each takes a restic snapshot of the workspace's data volume
 * through the ContainerRuntime (a helper container), under the tenant's
 * backup lock (a lease in the database: one backup or restore of a tenant at
 * a time, across processes). A backup is written `running` before restic
 * starts and settled `succeeded` with its size, duration, snapshot id and
 * file-list checksum, or `failed` with restic's reason, which notifies the
 * tenant's owners (`backup.failed`). A failure is never answered as success.
 * It is also the tenants' TenantBackups (a backup before terminate or a
 * plan change).
 */
@Injectable()
export class BackupsService extends TenantBackups {
  private readonly logger = new Logger(BackupsService.name);
  private readonly holderPrefix = `${hostname()}:${process.pid}`;

  constructor(
    private readonly backups: BackupsRepository,
    private readonly runtime: ContainerRuntime,
    private readonly catalog: PlanCatalog,
    private readonly leases: LeaseRepository,
    private readonly users: UsersRepository,
    private readonly notifier: Notifier,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** The repository, or the reason there is none (503 with it). */
  repository(): BackupRepository {
    const repository = this.config.backups.repository;
    if (!repository) throw new IntegrationDisabled('backups', this.config.backups.disabledReason ?? 'Workspace backups are not configured');
    return repository;
  }

  async list(tenant: TenantRecord, page: number, pageSize: number): Promise<Page<TenantBackupShape>> {
    const { items, total } = await this.backups.listOfTenant(tenant.id, (page - 1) * pageSize, pageSize);
    return { items: await this.describe(items), total, page, pageSize };
  }

  async describe(records: BackupRecord[]): Promise<TenantBackupShape[]> {
    const ids = new Set<string>();
    for (const record of records) {
      if (record.requestedBy.userId) ids.add(record.requestedBy.userId);
      for (const restore of record.restores) if (restore.by.userId) ids.add(restore.by.userId);
    }
    const people = new Map((await this.users.findByIds([...ids])).map((user) => [user.id, user.name || user.email]));
    return records.map((record) => mapBackup(record, people));
  }

  /**
   * Runs `work` holding the tenant's backup lock; refuses (409) while another
   * backup or restore of the tenant holds it.
   */
  async locked<T>(tenant: TenantRecord, work: () => Promise<T>): Promise<T> {
    const key = `backup:${tenant.id}`;
    const holder = `${this.holderPrefix}:${randomBytes(4).toString('hex')}`;
    if (!(await this.leases.acquire(key, holder, LOCK_TTL_MS))) throw DomainError.conflict(`A backup or restore of ${tenant.name} is running already: try again when it has finished`);
    try {
      return await work();
    } finally {
      await this.leases.release(key, holder).catch(() => undefined);
    }
  }

  /** An owner's or operator's backup now: answered when it succeeded; a failure is recorded, notified and answered 503 with the reason. */
  async backUpNow(actor: Actor, tenant: TenantRecord, reason?: string): Promise<Mutation<TenantBackupShape>> {
    const repository = this.repository();
    if (tenant.provisioning['workspace']?.state !== 'ok' && !tenant.provisioning['workspace']?.handle) {
      throw DomainError.conflict(`${tenant.name} has no workspace data to back up yet`);
    }
    const record = await this.locked(tenant, () => this.takeLocked(tenant, 'on_demand', backupActor(actor), repository));
    if (record.result !== 'succeeded') {
      throw new IntegrationError('backups', 'unavailable', `The backup failed: ${record.error ?? 'no reason given.'} It is recorded as failed, and the tenant's owners were told.`);
    }
    const [shape] = await this.describe([record]);
    return mutation(shape!, {
      action: 'backup.create',
      ...tenantTarget(tenant),
      changes: { backup: { from: null, to: record.id }, snapshotId: { from: null, to: record.snapshotId } },
      reason: reason ?? null,
    });
  }

  /** Takes a backup now under the tenant's lock (409 while another runs); answers the record, failed or not. */
  take(tenant: TenantRecord, trigger: BackupTrigger, by: BackupActorRecord): Promise<BackupRecord> {
    const repository = this.repository();
    return this.locked(tenant, () => this.takeLocked(tenant, trigger, by, repository));
  }

  /**
   * Takes a backup; the caller holds the tenant's lock. Recorded before
   * restic starts and settled after, whatever happens; a failure notifies.
   * The plan's retention is applied with a scheduled or on-demand backup
   * (in the same helper), never inside a restore or before a terminate or a
   * plan change (it could remove the snapshot being restored).
   */
  async takeLocked(tenant: TenantRecord, trigger: BackupTrigger, by: BackupActorRecord, repository: BackupRepository): Promise<BackupRecord> {
    const started = this.clock.now();
    const begin = this.clock.monotonic();
    const record = await this.backups.start(tenant.id, trigger, started, by);
    const retention = trigger === 'schedule' || trigger === 'on_demand' ? (await this.catalog.get(tenant.plan)).backups : undefined;
    try {
      const taken = await this.runtime.backupVolume(workspaceOf(tenant), repository, [`tenant-${tenant.id}`, trigger], retention);
      const finished = await this.backups.finish(record.id, {
        result: 'succeeded',
        finishedAt: this.clock.now(),
        durationMs: Math.round(this.clock.monotonic() - begin),
        sizeBytes: taken.sizeBytes,
        addedBytes: taken.addedBytes,
        repositoryBytes: taken.repositoryBytes,
        snapshotId: taken.snapshotId,
        fileListChecksum: taken.manifest?.checksum ?? null,
        files: taken.manifest?.files ?? null,
      });
      // The retention ran in the same helper; the backups whose snapshots it removed are marked. One that failed is logged: the backup stands, and the next one tries again.
      if (retention && !taken.retentionError) await this.backups.markPruned(tenant.id, taken.snapshots, this.clock.now());
      if (taken.retentionError) this.logger.warn({ tenant: tenant.slug, err: taken.retentionError }, 'retention failed');
      return finished ?? record;
    } catch (error: unknown) {
      const reason = sentenceOf(error);
      const failed = await this.backups.finish(record.id, { result: 'failed', finishedAt: this.clock.now(), durationMs: Math.round(this.clock.monotonic() - begin), error: reason });
      await this.notifier.notify({
        kind: 'backup.failed',
        tenantId: tenant.id,
        subject: `A backup of ${tenant.name} failed`,
        text: `The ${TRIGGER_WORDS[trigger]} backup of ${tenant.name} (${tenant.slug}), started at ${started.toISOString()}, failed: ${reason} Nothing was recorded as backed up. Tessera tries again at the next scheduled backup; an owner or an operator can back up now from the tenant's page.`,
        key: `backup.failed:${record.id}`,
      });
      this.logger.warn({ tenant: tenant.slug, trigger, err: reason }, 'backup failed');
      return failed ?? { ...record, result: 'failed', error: reason };
    }
  }

  /** TenantBackups: the backup before a terminate or a plan change. */
  async before(tenant: TenantRecord, trigger: 'before_terminate' | 'before_plan_change', actor: Actor | null): Promise<SafetyBackup> {
    const repository = this.config.backups.repository;
    if (!repository) return { outcome: 'skipped', backupId: null, message: `No backup was taken: ${this.config.backups.disabledReason ?? 'backups are not configured'}.` };
    if (tenant.provisioning['workspace']?.state !== 'ok' && !tenant.provisioning['workspace']?.handle) {
      return { outcome: 'skipped', backupId: null, message: 'No backup was taken: the tenant has no workspace data yet.' };
    }
    try {
      const record = await this.locked(tenant, () => this.takeLocked(tenant, trigger, backupActor(actor), repository));
      if (record.result === 'succeeded') return { outcome: 'succeeded', backupId: record.id, message: `A backup was taken first (${describeBytes(record.sizeBytes)}).` };
      return { outcome: 'failed', backupId: record.id, message: `The backup taken first failed: ${record.error ?? 'no reason given'}` };
    } catch (error: unknown) {
      return { outcome: 'failed', backupId: null, message: `No backup could be taken first: ${sentenceOf(error)}` };
    }
  }
}

const TRIGGER_WORDS: Record<BackupTrigger, string> = {
  schedule: 'scheduled',
  on_demand: 'on-demand',
  before_terminate: 'pre-termination',
  before_plan_change: 'pre-plan-change',
  before_restore: 'pre-restore',
  before_move: 'pre-move',
};

/** An error as a sentence ending with a full stop. */
export function sentenceOf(error: unknown): string {
  const text = (isIntegrationError(error) || error instanceof DomainError || error instanceof Error ? error.message : String(error)).trim();
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
