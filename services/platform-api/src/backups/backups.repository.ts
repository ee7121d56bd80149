import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { BackupTrigger } from '@tessera/contracts';
import { Types, type Model } from 'mongoose';
import { MODEL } from '../common/model-names';
import type { BackupActorRecord, BackupRecord, BackupRestoreRow, TenantBackup } from './backup.schema';

type BackupRow = TenantBackup & { _id: Types.ObjectId };

const toRecord = (row: BackupRow): BackupRecord => ({
  id: row._id.toHexString(),
  tenantId: row.tenantId.toHexString(),
  trigger: row.trigger,
  result: row.result,
  startedAt: row.startedAt,
  finishedAt: row.finishedAt ?? null,
  durationMs: row.durationMs ?? null,
  sizeBytes: row.sizeBytes ?? null,
  addedBytes: row.addedBytes ?? null,
  repositoryBytes: row.repositoryBytes ?? null,
  snapshotId: row.snapshotId ?? null,
  fileListChecksum: row.fileListChecksum ?? null,
  files: row.files ?? null,
  error: row.error ?? null,
  prunedAt: row.prunedAt ?? null,
  requestedBy: row.requestedBy,
  restores: (row.restores ?? []).map((restore) => ({ ...restore, at: new Date(restore.at) })),
});

/** What a finished backup writes. */
export type BackupOutcome =
  | { result: 'succeeded'; finishedAt: Date; durationMs: number; sizeBytes: number; addedBytes: number; repositoryBytes: number | null; snapshotId: string; fileListChecksum: string | null; files: number | null }
  | { result: 'failed'; finishedAt: Date; durationMs: number; error: string };

@Injectable()
export class BackupsRepository {
  constructor(@InjectModel(MODEL.tenantBackup) private readonly backups: Model<TenantBackup>) {}

  async start(tenantId: string, trigger: BackupTrigger, startedAt: Date, requestedBy: BackupActorRecord): Promise<BackupRecord> {
    const created = await this.backups.create({ tenantId: new Types.ObjectId(tenantId), trigger, result: 'running', startedAt, requestedBy, restores: [] });
    return toRecord(created.toObject() as BackupRow);
  }

  async finish(id: string, outcome: BackupOutcome): Promise<BackupRecord | null> {
    const row = await this.backups.findByIdAndUpdate(id, { $set: outcome }, { returnDocument: 'after' }).lean<BackupRow>().exec();
    return row ? toRecord(row) : null;
  }

  async addRestore(id: string, restore: BackupRestoreRow): Promise<BackupRecord | null> {
    const row = await this.backups.findByIdAndUpdate(id, { $push: { restores: restore } }, { returnDocument: 'after' }).lean<BackupRow>().exec();
    return row ? toRecord(row) : null;
  }

  async findOfTenant(tenantId: string, id: string): Promise<BackupRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const row = await this.backups.findOne({ _id: new Types.ObjectId(id), tenantId: new Types.ObjectId(tenantId) }).lean<BackupRow>().exec();
    return row ? toRecord(row) : null;
  }

  async findById(id: string): Promise<BackupRecord | null> {
    const row = await this.backups.findById(id).lean<BackupRow>().exec();
    return row ? toRecord(row) : null;
  }

  /** The tenant's backups, newest first. */
  async listOfTenant(tenantId: string, skip: number, limit: number): Promise<{ items: BackupRecord[]; total: number }> {
    const filter = { tenantId: new Types.ObjectId(tenantId) };
    const [rows, total] = await Promise.all([this.backups.find(filter).sort({ startedAt: -1 }).skip(skip).limit(limit).lean<BackupRow[]>().exec(), this.backups.countDocuments(filter).exec()]);
    return { items: rows.map(toRecord), total };
  }

  /** The tenant's latest backup that succeeded, and its latest attempt of any result. */
  async latest(tenantId: string): Promise<{ succeeded: BackupRecord | null; attempted: BackupRecord | null }> {
    const filter = { tenantId: new Types.ObjectId(tenantId) };
    const [succeeded, attempted] = await Promise.all([
      this.backups.findOne({ ...filter, result: 'succeeded' }).sort({ startedAt: -1 }).lean<BackupRow>().exec(),
      this.backups.findOne(filter).sort({ startedAt: -1 }).lean<BackupRow>().exec(),
    ]);
    return { succeeded: succeeded ? toRecord(succeeded) : null, attempted: attempted ? toRecord(attempted) : null };
  }

  /** The tenant's latest backup that succeeded, started before `before`, whose snapshot retention has kept: what can be restored from before a failure began. */
  async latestRestorableBefore(tenantId: string, before: Date): Promise<BackupRecord | null> {
    const row = await this.backups
      .findOne({ tenantId: new Types.ObjectId(tenantId), result: 'succeeded', prunedAt: null, snapshotId: { $ne: null }, startedAt: { $lt: before } })
      .sort({ startedAt: -1 })
      .lean<BackupRow>()
      .exec();
    return row ? toRecord(row) : null;
  }

  /** Marks the tenant's succeeded backups whose snapshot is not among `kept` as pruned by retention; answers how many. */
  async markPruned(tenantId: string, kept: string[], at: Date): Promise<number> {
    const result = await this.backups
      .updateMany({ tenantId: new Types.ObjectId(tenantId), result: 'succeeded', prunedAt: null, snapshotId: { $nin: kept } }, { $set: { prunedAt: at } })
      .exec();
    return result.modifiedCount;
  }
}
