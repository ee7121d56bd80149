/** Why a backup of a tenant's workspace data was taken. */
export const BACKUP_TRIGGERS = ['schedule', 'on_demand', 'before_terminate', 'before_plan_change', 'before_restore', 'before_move'] as const;
export type BackupTrigger = (typeof BACKUP_TRIGGERS)[number];

/** `running` while restic works; a backup that did not finish cleanly is `failed`, never `succeeded`. */
export type BackupResult = 'running' | 'succeeded' | 'failed';

/** How often a plan's workspaces are backed up and how many snapshots are kept (restic forget). */
export interface PlanBackups {
  /** Hours between scheduled backups; 0: no scheduled backups (on demand and automatic ones still run). */
  intervalHours: number;
  /** The newest snapshots kept whatever their age (at least 1). */
  keepLast: number;
  /** Also keep the newest snapshot of each of this many last days (0: none beyond keepLast). */
  keepDaily: number;
}

/**
 * The restore drill: how a restore was proven. restic reads every restored
 * file back and checks its content against the snapshot (restore --verify);
 * and when a file list was recorded at backup time, the restored volume's
 * file list is compared with it.
 */
export interface RestoreDrill {
  /** The file list's checksum recorded with the snapshot (null when files changed during that backup). */
  expectedChecksum: string | null;
  /** The restored volume's file list, read back after the restore. */
  actualChecksum: string | null;
  files: number | null;
  /** restic read the restored files back and found them equal to the snapshot's content (false for restores made before it did). */
  verifiedAgainstSnapshot: boolean;
  /** True: the file lists are equal, or none was recorded and restic verified the content; false: they differ; null: nothing proven. */
  passed: boolean | null;
}

/** One restore of a backup, kept on the backup it restored. */
export interface BackupRestoreRecord {
  at: string;
  /** The tenant whose workspace received the data (the backup's own, or a new one). */
  into: { id: string; slug: string };
  result: 'succeeded' | 'failed';
  /** The backup taken of the data it replaced (restores into the same workspace). */
  safetyBackupId: string | null;
  drill: RestoreDrill | null;
  /** Why it failed, in a sentence. */
  error: string | null;
  by: { kind: string; name: string | null };
}

/** A backup of a tenant's workspace data as the API answers it. */
export interface TenantBackup {
  id: string;
  tenantId: string;
  trigger: BackupTrigger;
  result: BackupResult;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** The workspace's data as restic read it, and what the backup added to the repository. */
  sizeBytes: number | null;
  addedBytes: number | null;
  snapshotId: string | null;
  /** The file list at backup time: its sha256 and how many files (null when files changed while it ran). */
  fileListChecksum: string | null;
  files: number | null;
  /** Why it failed, in a sentence (null unless failed). */
  error: string | null;
  /** When retention removed its snapshot (it can no longer be restored). */
  prunedAt: string | null;
  requestedBy: { kind: string; name: string | null };
  restores: BackupRestoreRecord[];
}

/** What a restore answers: the backup restored, the drill, and the backup taken first. */
export interface RestoreOutcome {
  backup: TenantBackup;
  restore: BackupRestoreRecord;
  safetyBackup: TenantBackup | null;
  /** The tenant that received the data (a new tenant for a restore into a new tenant). */
  tenant: { id: string; slug: string; name: string };
}
