import { Injectable } from '@nestjs/common';
import type { AuditEvent as AuditEventShape, Page } from '@tessera/contracts';
import { Types } from 'mongoose';
import { actorKind, type Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { toSkip } from '../common/http/paging.dto';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { AuditActor, AuditEventDocument } from './audit-event.schema';
import { AuditRepository } from './audit.repository';
import type { AuditQuery } from './audit.dto';
import type { AuditDraft } from './mutation';

@Injectable()
export class AuditService {
  constructor(
    private readonly events: AuditRepository,
    private readonly tenants: TenantsRepository,
    private readonly clock: Clock,
  ) {}

  /** Writes the one event of a mutating request. Called by the AuditInterceptor only. */
  record(actor: Actor, requestId: string, draft: AuditDraft): Promise<void> {
    return this.append({ kind: actorKind(actor), subject: actor.subject, userId: actor.user?._id ?? null }, requestId, draft, actor.support ?? null);
  }

  /** Writes an event for work the platform did by itself (seeding, reconcile passes). */
  recordSystem(process: string, draft: AuditDraft): Promise<void> {
    return this.append({ kind: 'system', subject: process, userId: null }, `system:${process}`, draft);
  }

  private async append(actor: AuditActor, requestId: string, draft: AuditDraft, support: { grantId: string; approvedBy: string } | null = null): Promise<void> {
    await this.events.append({
      at: this.clock.now(),
      requestId,
      actor,
      action: draft.action,
      target: draft.target,
      tenantId: draft.tenantId ? new Types.ObjectId(draft.tenantId) : null,
      partnerId: draft.partnerId ? new Types.ObjectId(draft.partnerId) : null,
      changes: draft.changes ?? {},
      reason: draft.reason ?? null,
      support,
    });
  }

  async list(query: AuditQuery): Promise<Page<AuditEventShape>> {
    let tenantId: Types.ObjectId | undefined;
    if (query.tenant) {
      const tenant = await this.tenants.findBySlug(query.tenant);
      if (!tenant) return { items: [], total: 0, page: query.page, pageSize: query.pageSize };
      tenantId = tenant._id;
    }
    const { items, total } = await this.events.list(
      {
        tenantId,
        actorSubject: query.actor,
        action: query.action,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      },
      toSkip(query),
      query.pageSize,
    );
    return { items: items.map(mapAuditEvent), total, page: query.page, pageSize: query.pageSize };
  }
}

export function mapAuditEvent(event: AuditEventDocument): AuditEventShape {
  return {
    id: event._id.toHexString(),
    at: event.at.toISOString(),
    requestId: event.requestId,
    actor: { kind: event.actor.kind, subject: event.actor.subject, userId: event.actor.userId?.toHexString() ?? null },
    action: event.action,
    target: { type: event.target.type, id: event.target.id },
    tenantId: event.tenantId?.toHexString() ?? null,
    partnerId: event.partnerId?.toHexString() ?? null,
    changes: event.changes,
    reason: event.reason ?? null,
    support: event.support ?? null,
  };
}
