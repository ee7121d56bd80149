import { Injectable } from '@nestjs/common';
import type { RestoreOutcome, TenantBackup as TenantBackupShape } from '@tessera/contracts';
import { mutation, tenantTarget, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { ContainerRuntime, type BackupRepository, type WorkspaceRef } from '../integrations/containers/container-runtime.port';
import { IntegrationError } from '../integrations/integration-error';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { TenantProvisioner } from '../tenants/tenant-provisioner';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { TenantsService } from '../tenants/tenants.service';
import type { BackupRecord, BackupRestoreRow } from './backup.schema';
import { BackupsRepository } from './backups.repository';
import { backupActor, BackupsService, restoreDrill, sentenceOf, workspaceOf } from './backups.service';
import { mapRestore, type RestoreBackupDto, type RestoreIntoNewTenantDto } from './backups.dto';

/**
 * Restores, each proven by the restore drill. Into the same workspace: a
 * backup of the current data first (no restore without it), the workspace
 * stopped, the snapshot restored beside the current files, read back by
 * restic against the snapshot's content and checked against its recorded
 * file list (when files did not change during that backup) before anything
 * is replaced, then the volume read back and compared again (the drill), and
 * the workspace started. Into a new tenant: the tenant opened (same plan and partner, the
 * source's owners as owners), provisioned, and its empty volume restored
 * from the source's repository the same way. Every restore, failed or not,
 * is recorded on the backup it restored.
 */
@Injectable()
export class BackupRestoresService {
  constructor(
    private readonly service: BackupsService,
    private readonly backups: BackupsRepository,
    private readonly runtime: ContainerRuntime,
    private readonly tenants: TenantsRepository,
    private readonly tenantsService: TenantsService,
    private readonly memberships: MembershipsRepository,
    private readonly provisioner: TenantProvisioner,
    private readonly clock: Clock,
  ) {}

  /** A backup of the tenant that can be restored: succeeded, its snapshot kept. */
  private async restorable(tenant: TenantRecord, id: string): Promise<BackupRecord & { snapshotId: string }> {
    const backup = await this.backups.findOfTenant(tenant.id, id);
    if (!backup) throw DomainError.notFound('That backup');
    if (backup.result !== 'succeeded' || !backup.snapshotId) throw DomainError.conflict(`That backup ${backup.result === 'running' ? 'is still running' : 'failed'}: there is nothing to restore from it`);
    if (backup.prunedAt) throw DomainError.conflict(`That backup's snapshot was removed by the plan's retention on ${backup.prunedAt.toISOString()}: it can no longer be restored`);
    return { ...backup, snapshotId: backup.snapshotId };
  }

  async restoreInPlace(actor: Actor, tenant: TenantRecord, id: string, dto: RestoreBackupDto): Promise<Mutation<RestoreOutcome>> {
    const repository = this.service.repository();
    const backup = await this.restorable(tenant, id);
    if (tenant.provisioning['workspace']?.state !== 'ok') throw DomainError.conflict(`${tenant.name} has no running workspace to restore into: reconcile it first`);
    const { restore, safety } = await this.service.locked(tenant, async () => {
      // A data volume lost out of band is created again (empty) first, so there is something to back up and restore into.
      await this.provisioner.converge(tenant, { only: ['workspace'] });
      const safety = await this.service.takeLocked(tenant, 'before_restore', backupActor(actor), repository);
      if (safety.result !== 'succeeded') {
        // The repository is at fault (damaged, unreachable): nothing is replaced without a copy of what it replaces.
        throw new IntegrationError('backups', 'unavailable', `Nothing was restored and nothing was replaced: the backup of the current data, taken first, failed. ${safety.error ?? ''}`.trim());
      }
      const restore = await this.restoreVolume(actor, tenant, backup, repository, safety.id, undefined);
      return { restore, safety };
    });
    const [described, safetyShape] = await this.service.describe([(await this.backups.findById(backup.id)) ?? backup, safety]);
    return mutation(this.outcome(described!, restore, safetyShape ?? null, tenant), {
      action: 'backup.restore',
      ...tenantTarget(tenant),
      changes: { restoredFrom: { from: null, to: backup.id }, safetyBackup: { from: null, to: safety.id }, drill: { from: null, to: restore.drill?.passed ?? null } },
      reason: dto.reason ?? null,
    });
  }

  async restoreIntoNewTenant(actor: Actor, source: TenantRecord, id: string, dto: RestoreIntoNewTenantDto): Promise<Mutation<RestoreOutcome>> {
    const repository = this.service.repository();
    const backup = await this.restorable(source, id);
    const opened = await this.tenantsService.open({ slug: dto.slug, name: dto.name, plan: source.plan }, { owner: null, partnerId: source.partnerId });
    const created = (await this.tenants.fresh(opened.result.id)) ?? (await this.tenants.findBySlug(dto.slug));
    if (!created) throw DomainError.notFound(`The new tenant ${dto.slug}`);
    for (const owner of (await this.memberships.listActiveFor(source.id)).filter((membership) => membership.role === 'owner')) {
      await this.memberships.upsert(created.id, owner.userId, 'owner');
    }
    await this.provisioner.converge(created);
    const target = (await this.tenants.fresh(created.id)) ?? created;
    if (target.provisioning['workspace']?.state !== 'ok') {
      throw DomainError.conflict(`${dto.slug} was created but its workspace could not be provisioned (${target.provisioning['workspace']?.error ?? 'not yet'}), so nothing was restored into it: reconcile it, then restore again`);
    }
    const restore = await this.service.locked(target, () => this.restoreVolume(actor, target, backup, repository, null, workspaceOf(source)));
    const [described] = await this.service.describe([(await this.backups.findById(backup.id)) ?? backup]);
    return mutation(this.outcome(described!, restore, null, target), {
      action: 'backup.restore_new_tenant',
      ...tenantTarget(target),
      changes: { restoredFrom: { from: null, to: { tenant: source.slug, backup: backup.id } }, tenant: { from: null, to: opened.result.slug }, drill: { from: null, to: restore.drill?.passed ?? null } },
      reason: dto.reason ?? null,
    });
  }

  /**
   * Stops the target's workspace, restores the snapshot into its volume (the
   * adapter has restic verify the staged files against the snapshot, and
   * checks them against the recorded list, before it replaces anything), reads the volume back for the drill, records the
   * restore on the backup and starts the workspace again, also when the
   * restore failed (then with its data untouched).
   */
  private async restoreVolume(actor: Actor, target: TenantRecord, backup: BackupRecord & { snapshotId: string }, repository: BackupRepository, safetyBackupId: string | null, from: WorkspaceRef | undefined): Promise<BackupRestoreRow> {
    const workspace = workspaceOf(target);
    const row: BackupRestoreRow = { at: this.clock.now(), intoTenantId: target.id, intoSlug: target.slug, result: 'failed', safetyBackupId, drill: null, error: null, by: backupActor(actor) };
    try {
      await this.runtime.stop(workspace);
      // The restore reads the volume back once the files are in place: that list is the drill's.
      const restored = await this.runtime.restoreVolume(workspace, repository, backup.snapshotId, backup.fileListChecksum, from);
      const drill = restoreDrill(backup.fileListChecksum, restored);
      row.drill = drill;
      if (drill.passed === false) {
        row.error = `The restore drill failed: the restored volume's file list (${restored.manifest.files} files) differs from the one recorded with the backup.`;
      } else {
        row.result = 'succeeded';
      }
    } catch (error: unknown) {
      row.error = `The restore failed: ${sentenceOf(error)}`;
    } finally {
      await this.backups.addRestore(backup.id, row);
      await this.provisioner.converge((await this.tenants.fresh(target.id)) ?? target, { only: ['workspace'], expected: true }).catch(() => undefined);
    }
    if (row.result === 'failed') throw new IntegrationError('backups', 'unavailable', row.error ?? 'The restore failed.');
    return row;
  }

  private outcome(backup: TenantBackupShape, restore: BackupRestoreRow, safety: TenantBackupShape | null, tenant: TenantRecord): RestoreOutcome {
    return { backup, restore: mapRestore(restore, new Map()), safetyBackup: safety, tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name } };
  }
}
