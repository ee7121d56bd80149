import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { PlatformBackupRunRow, type PlatformBackupRunRecord } from './platform-backup-run.schema';

export const PLATFORM_BACKUP_RUN_MODEL = 'PlatformBackupRun';

type Row = PlatformBackupRunRow & { _id: Types.ObjectId };

const toRecord = (row: Row): PlatformBackupRunRecord => ({
  id: row._id.toHexString(),
  trigger: row.trigger,
  result: row.result,
  startedAt: row.startedAt,
  finishedAt: row.finishedAt,
  durationMs: row.durationMs,
  name: row.name ?? null,
  sizeBytes: row.sizeBytes ?? null,
  collections: row.collections ?? null,
  documents: row.documents ?? null,
  error: row.error ?? null,
  startedBy: row.startedBy ? row.startedBy.toHexString() : null,
});

/** The record of every platform database backup run. Append-only. */
@Injectable()
export class PlatformBackupRunsRepository {
  constructor(@InjectModel(PLATFORM_BACKUP_RUN_MODEL) private readonly runs: Model<PlatformBackupRunRow>) {}

  async insert(run: Omit<PlatformBackupRunRecord, 'id'>): Promise<PlatformBackupRunRecord> {
    const created = await this.runs.create({ ...run, startedBy: run.startedBy ? new Types.ObjectId(run.startedBy) : null });
    return toRecord(created.toObject() as Row);
  }

  async latest(): Promise<PlatformBackupRunRecord | null> {
    const row = await this.runs.findOne({}).sort({ startedAt: -1 }).lean<Row>().exec();
    return row ? toRecord(row) : null;
  }

  async list(skip: number, limit: number): Promise<{ items: PlatformBackupRunRecord[]; total: number }> {
    const [rows, total] = await Promise.all([this.runs.find({}).sort({ startedAt: -1, _id: -1 }).skip(skip).limit(limit).lean<Row[]>().exec(), this.runs.countDocuments({}).exec()]);
    return { items: rows.map(toRecord), total };
  }
}
