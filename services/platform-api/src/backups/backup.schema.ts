import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { BackupResult, BackupTrigger, RestoreDrill } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

/** Who asked for a backup or a restore: a person (user id) or the platform itself. */
export interface BackupActorRecord {
  kind: 'user' | 'operator' | 'machine' | 'system';
  userId: string | null;
}

/** One restore of the backup, kept with it. */
export interface BackupRestoreRow {
  at: Date;
  intoTenantId: string;
  intoSlug: string;
  result: 'succeeded' | 'failed';
  safetyBackupId: string | null;
  drill: RestoreDrill | null;
  error: string | null;
  by: BackupActorRecord;
}

/**
 * One backup of a tenant's workspace data (a restic snapshot), written
 * `running` when it starts and settled `succeeded` or `failed` with a
 * sentence. Never deleted: a snapshot that retention removed is marked
 * `prunedAt` and can no longer be restored.
 */
@Schema({ collection: 'tenant_backups', timestamps: true })
export class TenantBackup {
  @Prop({ type: Types.ObjectId, required: true })
  tenantId: Types.ObjectId;

  @Prop({ type: String, required: true })
  trigger: BackupTrigger;

  @Prop({ type: String, required: true, default: 'running' })
  result: BackupResult;

  @Prop({ type: Date, required: true })
  startedAt: Date;

  @Prop({ type: Date, default: null })
  finishedAt: Date | null;

  @Prop({ type: Number, default: null })
  durationMs: number | null;

  @Prop({ type: Number, default: null })
  sizeBytes: number | null;

  @Prop({ type: Number, default: null })
  addedBytes: number | null;

  @Prop({ type: Number, default: null })
  repositoryBytes: number | null;

  @Prop({ type: String, default: null })
  snapshotId: string | null;

  @Prop({ type: String, default: null })
  fileListChecksum: string | null;

  @Prop({ type: Number, default: null })
  files: number | null;

  @Prop({ type: String, default: null })
  error: string | null;

  @Prop({ type: Date, default: null })
  prunedAt: Date | null;

  @Prop({ type: Object, required: true })
  requestedBy: BackupActorRecord;

  @Prop({ type: [Object], default: [] })
  restores: BackupRestoreRow[];

  createdAt: Date;
  updatedAt: Date;
}

export type TenantBackupDocument = HydratedDocument<TenantBackup>;
export const TenantBackupSchema = SchemaFactory.createForClass(TenantBackup);
// Serves a tenant's backup list, newest first, and the schedule's "when was the last one": find({ tenantId }).sort({ startedAt: -1 }).
TenantBackupSchema.index({ tenantId: 1, startedAt: -1 });

export interface BackupRecord {
  id: string;
  tenantId: string;
  trigger: BackupTrigger;
  result: BackupResult;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  sizeBytes: number | null;
  addedBytes: number | null;
  repositoryBytes: number | null;
  snapshotId: string | null;
  fileListChecksum: string | null;
  files: number | null;
  error: string | null;
  prunedAt: Date | null;
  requestedBy: BackupActorRecord;
  restores: BackupRestoreRow[];
}
