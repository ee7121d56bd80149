import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { MODEL } from '../common/model-names';
import type { AuditEvent, AuditEventRecord } from './audit-event.schema';

export interface AuditFilter {
  tenantId?: string;
  /** Events whose actor had this token subject, or (with actorUserIds) was one of these people. */
  actorSubject?: string;
  actorUserIds?: string[];
  action?: string;
  from?: Date;
  to?: Date;
}

type AuditRow = AuditEvent & { _id: Types.ObjectId };
const oid = (id: string | null) => (id ? new Types.ObjectId(id) : null);

const toRecord = (row: AuditRow): AuditEventRecord => ({
  id: row._id.toHexString(),
  at: row.at,
  requestId: row.requestId,
  actor: { kind: row.actor.kind, subject: row.actor.subject, userId: row.actor.userId?.toHexString() ?? null },
  action: row.action,
  target: { type: row.target.type, id: row.target.id ?? null },
  tenantId: row.tenantId?.toHexString() ?? null,
  partnerId: row.partnerId?.toHexString() ?? null,
  changes: row.changes ?? {},
  reason: row.reason ?? null,
  support: row.support ?? null,
});

/** The audit trail: appended to, read, never changed (the schema refuses it). */
@Injectable()
export class AuditRepository {
  constructor(@InjectModel(MODEL.auditEvent) private readonly events: Model<AuditEvent>) {}

  async append(event: Omit<AuditEventRecord, 'id'>): Promise<void> {
    await this.events.create({
      ...event,
      actor: { ...event.actor, userId: oid(event.actor.userId) },
      tenantId: oid(event.tenantId),
      partnerId: oid(event.partnerId),
    });
  }

  async list(filter: AuditFilter, skip: number, limit: number): Promise<{ items: AuditEventRecord[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.tenantId) query['tenantId'] = new Types.ObjectId(filter.tenantId);
    const byPerson: Record<string, unknown>[] = [];
    if (filter.actorSubject) byPerson.push({ 'actor.subject': filter.actorSubject });
    if (filter.actorUserIds?.length) byPerson.push({ 'actor.userId': { $in: filter.actorUserIds.map((id) => new Types.ObjectId(id)) } });
    if (byPerson.length === 1) Object.assign(query, byPerson[0]);
    else if (byPerson.length > 1) query['$or'] = byPerson;
    // A kind (`workspace`) stands for all its actions; the pattern only ever holds [a-z.-] (AuditQuery).
    if (filter.action) query['action'] = filter.action.includes('.') ? filter.action : { $regex: `^${filter.action}\\.` };
    if (filter.from || filter.to) {
      const at: Record<string, Date> = {};
      if (filter.from) at['$gte'] = filter.from;
      if (filter.to) at['$lte'] = filter.to;
      query['at'] = at;
    }
    const [rows, total] = await Promise.all([
      this.events.find(query).sort({ at: -1, _id: -1 }).skip(skip).limit(limit).lean<AuditRow[]>().exec(),
      this.events.countDocuments(query).exec(),
    ]);
    return { items: rows.map(toRecord), total };
  }
}
