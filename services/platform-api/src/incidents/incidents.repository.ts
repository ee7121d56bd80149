import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { MODEL } from '../common/model-names';
import type { Incident, IncidentEntryRecord, IncidentRecord, IncidentWatch } from './incident.schema';

type IncidentRow = Incident & { _id: Types.ObjectId; tenantId: Types.ObjectId | null };

const toRecord = (row: IncidentRow): IncidentRecord => ({
  id: row._id.toHexString(),
  kind: row.kind,
  cause: row.cause,
  state: row.state,
  title: row.title,
  detail: row.detail,
  probe: row.probe ?? null,
  tenantId: row.tenantId ? row.tenantId.toHexString() : null,
  failingSince: row.failingSince,
  openedAt: row.openedAt,
  acknowledgedAt: row.acknowledgedAt ?? null,
  resolvedAt: row.resolvedAt ?? null,
  resolution: row.resolution ?? null,
  timeline: (row.timeline ?? []).map((entry) => ({ ...entry, at: new Date(entry.at) })),
});

export interface NewIncident {
  kind: Incident['kind'];
  cause: string;
  title: string;
  detail: string;
  probe: string | null;
  tenantId: string | null;
  failingSince: Date;
  openedAt: Date;
  opened: IncidentEntryRecord;
}

@Injectable()
export class IncidentsRepository {
  constructor(
    @InjectModel(MODEL.incident) private readonly incidents: Model<Incident>,
    @InjectModel(MODEL.incidentWatch) private readonly watchRows: Model<IncidentWatch>,
  ) {}

  /** Opens an incident for its cause; null when one is open for it already (the unique slot decides). */
  async open(incident: NewIncident): Promise<IncidentRecord | null> {
    try {
      const created = await this.incidents.create({
        kind: incident.kind,
        cause: incident.cause,
        slot: incident.cause,
        state: 'open',
        title: incident.title,
        detail: incident.detail,
        probe: incident.probe,
        tenantId: incident.tenantId ? new Types.ObjectId(incident.tenantId) : null,
        failingSince: incident.failingSince,
        openedAt: incident.openedAt,
        timeline: [incident.opened],
      });
      return toRecord(created.toObject() as IncidentRow);
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  async findById(id: string): Promise<IncidentRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const row = await this.incidents.findById(id).lean<IncidentRow>().exec();
    return row ? toRecord(row) : null;
  }

  /** Every open incident (few: one per failing cause). */
  async listOpen(): Promise<IncidentRecord[]> {
    const rows = await this.incidents.find({ state: 'open' }).sort({ openedAt: -1 }).limit(1_000).lean<IncidentRow[]>().exec();
    return rows.map(toRecord);
  }

  /** A page of incidents, open ones first, newest first; by state and tenant when given. */
  async list(filter: { state?: Incident['state']; tenantId?: string }, skip: number, limit: number): Promise<{ items: IncidentRecord[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.state) query['state'] = filter.state;
    if (filter.tenantId) query['tenantId'] = new Types.ObjectId(filter.tenantId);
    const [rows, total] = await Promise.all([
      this.incidents.find(query).sort({ state: 1, openedAt: -1 }).skip(skip).limit(limit).lean<IncidentRow[]>().exec(),
      this.incidents.countDocuments(query).exec(),
    ]);
    return { items: rows.map(toRecord), total };
  }

  /** Adds an entry to an open incident's timeline (with `set` changes); null when it is not open. */
  async append(id: string, entry: IncidentEntryRecord, set: Partial<Pick<Incident, 'acknowledgedAt' | 'detail'>> = {}, onlyIf: Record<string, unknown> = {}): Promise<IncidentRecord | null> {
    const row = await this.incidents
      .findOneAndUpdate({ _id: new Types.ObjectId(id), state: 'open', ...onlyIf }, { $push: { timeline: entry }, ...(Object.keys(set).length > 0 ? { $set: set } : {}) }, { returnDocument: 'after' })
      .lean<IncidentRow>()
      .exec();
    return row ? toRecord(row) : null;
  }

  /** Adds an entry whatever the state (a notice sent after resolving). */
  async note(id: string, entry: IncidentEntryRecord): Promise<IncidentRecord | null> {
    const row = await this.incidents.findOneAndUpdate({ _id: new Types.ObjectId(id) }, { $push: { timeline: entry } }, { returnDocument: 'after' }).lean<IncidentRow>().exec();
    return row ? toRecord(row) : null;
  }

  /** Resolves an open incident and frees its cause for a new one; null when it was not open. */
  async resolve(incident: IncidentRecord, entry: IncidentEntryRecord, resolution: 'automatic' | 'operator'): Promise<IncidentRecord | null> {
    const row = await this.incidents
      .findOneAndUpdate(
        { _id: new Types.ObjectId(incident.id), state: 'open' },
        { $set: { state: 'resolved', slot: `${incident.cause}#${incident.id}`, resolvedAt: entry.at, resolution }, $push: { timeline: entry } },
        { returnDocument: 'after' },
      )
      .lean<IncidentRow>()
      .exec();
    return row ? toRecord(row) : null;
  }

  /** Since when each cause has been failing (null: not failing), by cause. */
  async watches(): Promise<Map<string, Date | null>> {
    const rows = await this.watchRows.find({}).lean<{ _id: string; since: Date | null }[]>().exec();
    return new Map(rows.map((row) => [row._id, row.since ? new Date(row.since) : null]));
  }

  async watch(cause: string, since: Date | null, checkedAt: Date): Promise<void> {
    await this.watchRows.updateOne({ _id: cause }, { $set: { since, checkedAt } }, { upsert: true }).exec();
  }
}
