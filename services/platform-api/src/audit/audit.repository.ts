import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { AuditEvent, type AuditEventDocument } from './audit-event.schema';

export interface AuditFilter {
  tenantId?: Types.ObjectId;
  actorSubject?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectModel(AuditEvent.name) private readonly events: Model<AuditEvent>) {}

  append(event: AuditEvent): Promise<AuditEventDocument> {
    return this.events.create(event);
  }

  async list(filter: AuditFilter, skip: number, limit: number): Promise<{ items: AuditEventDocument[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.tenantId) query['tenantId'] = filter.tenantId;
    if (filter.actorSubject) query['actor.subject'] = filter.actorSubject;
    if (filter.action) query['action'] = filter.action;
    if (filter.from || filter.to) {
      const at: Record<string, Date> = {};
      if (filter.from) at['$gte'] = filter.from;
      if (filter.to) at['$lte'] = filter.to;
      query['at'] = at;
    }
    const [items, total] = await Promise.all([
      this.events.find(query).sort({ at: -1, _id: -1 }).skip(skip).limit(limit).exec(),
      this.events.countDocuments(query).exec(),
    ]);
    return { items, total };
  }
}
