import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { MODEL } from '../common/model-names';
import type { LiveEventRecord, LiveEventRow } from './live-event.schema';

type Row = LiveEventRow & { _id: Types.ObjectId };

const toRecord = (row: Row): LiveEventRecord => ({
  id: row._id.toHexString(),
  at: row.at,
  type: row.type,
  tenantId: row.tenantId.toHexString(),
  tenantSlug: row.tenantSlug,
  change: row.change,
  state: row.state ?? null,
});

@Injectable()
export class LiveEventsRepository {
  constructor(@InjectModel(MODEL.liveEvent) private readonly events: Model<LiveEventRow>) {}

  /** Stores the event and answers it as stored; null when one with its key is stored already. */
  async append(event: Omit<LiveEventRecord, 'id'> & { key: string }): Promise<LiveEventRecord | null> {
    try {
      const created = await this.events.create({ ...event, tenantId: new Types.ObjectId(event.tenantId) });
      const { key: _key, ...record } = event;
      return { ...record, id: created.id as string };
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  /** Events after the one at (`at`, `id`), oldest first (at most `limit`): the next page of a full one. */
  async after(at: Date, id: string, limit: number): Promise<LiveEventRecord[]> {
    const rows = await this.events
      .find({ $or: [{ at: { $gt: at } }, { at, _id: { $gt: new Types.ObjectId(id) } }] })
      .sort({ at: 1, _id: 1 })
      .limit(limit)
      .lean<Row[]>()
      .exec();
    return rows.map(toRecord);
  }

  /** Events at or after `from`, oldest first (at most `limit`). */
  async since(from: Date, limit: number): Promise<LiveEventRecord[]> {
    const rows = await this.events.find({ at: { $gte: from } }).sort({ at: 1, _id: 1 }).limit(limit).lean<Row[]>().exec();
    return rows.map(toRecord);
  }

  async findById(id: string): Promise<LiveEventRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const row = await this.events.findById(id).lean<Row>().exec();
    return row ? toRecord(row) : null;
  }

  /** Removes events older than `before`: they are notifications, not records (the audit trail is). */
  async removeOlderThan(before: Date): Promise<void> {
    await this.events.deleteMany({ at: { $lt: before } }).exec();
  }
}
