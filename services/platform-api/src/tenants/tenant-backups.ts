import type { Actor } from '../auth/actor';
import type { TenantRecord } from './tenant.schema';

/** What the backup before a terminate or a plan change came to. */
export interface SafetyBackup {
  /**
   * `succeeded`: a backup was taken (`backupId`); `failed`: one was tried and
   * failed (recorded and notified); `skipped`: there was nothing to back up
   * or backups are not configured (`message` says which).
   */
  outcome: 'succeeded' | 'failed' | 'skipped';
  backupId: string | null;
  /** In a sentence, for answers and the audit trail. */
  message: string;
}

/**
 * What the tenant lifecycle needs from backups, as a port: the backups
 * module binds it, so tenants never import backups (which read tenants).
 */
export abstract class TenantBackups {
  /** Backs the workspace's data up before a change that ends or replaces its container. Never throws. */
  abstract before(tenant: TenantRecord, trigger: 'before_terminate' | 'before_plan_change', actor: Actor | null): Promise<SafetyBackup>;
}
