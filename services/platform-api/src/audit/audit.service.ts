import { Injectable } from '@nestjs/common';
import type { AuditEvent as AuditEventShape, Page } from '@tessera/contracts';
import { AccessRepository } from '../auth/access.repository';
import { actorKind, type Actor } from '../auth/actor';
import { ChangeFeed } from '../common/change-feed';
import { Clock } from '../common/clock';
import { toSkip } from '../common/http/paging.dto';
import type { AuditEventRecord } from './audit-event.schema';
import { AuditRepository } from './audit.repository';
import type { AuditQuery } from './audit.dto';
import type { AuditDraft } from './mutation';

@Injectable()
export class AuditService {
  constructor(
    private readonly events: AuditRepository,
    private readonly access: AccessRepository,
    private readonly feed: ChangeFeed,
    private readonly clock: Clock,
  ) {}

  /**
   * Writes the one event of a mutating request (the AuditInterceptor), or of
   * a session of reading that audits itself (a workspace's logs, @AuditsItself).
   */
  record(actor: Actor, requestId: string, draft: AuditDraft): Promise<void> {
    return this.append({ kind: actorKind(actor), subject: actor.subject, userId: actor.user?.id ?? null }, requestId, draft, actor.support ?? null);
  }

  /** Writes an event for work the platform did by itself (seeding, reconcile passes). */
  recordSystem(process: string, draft: AuditDraft): Promise<void> {
    return this.append({ kind: 'system', subject: process, userId: null }, `system:${process}`, draft);
  }

  private async append(actor: AuditEventRecord['actor'], requestId: string, draft: AuditDraft, support: AuditEventRecord['support'] = null): Promise<void> {
    await this.events.append({
      at: this.clock.now(),
      requestId,
      actor,
      action: draft.action,
      target: draft.target,
      tenantId: draft.tenantId ?? null,
      partnerId: draft.partnerId ?? null,
      changes: draft.changes ?? {},
      reason: draft.reason ?? null,
      support,
    });
    // Every audited change of a tenant is also a live event: the pages showing it read it again.
    if (draft.tenantId) await this.feed.publish({ tenantId: draft.tenantId, ...liveChangeOf(draft) });
  }

  /** A page of events; `tenantId` (a tenant's own activity) wins over the query's tenant slug. */
  async list(query: AuditQuery, tenantId?: string): Promise<Page<AuditEventShape>> {
    if (!tenantId && query.tenant) {
      const tenant = await this.access.tenantBySlug(query.tenant);
      if (!tenant) return { items: [], total: 0, page: query.page, pageSize: query.pageSize };
      tenantId = tenant.id;
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

export function mapAuditEvent(event: AuditEventRecord): AuditEventShape {
  return { ...event, at: event.at.toISOString() };
}

/** What an audited action is, as a live event: its part of the tenant and the state it left, where one word says it. */
export function liveChangeOf(draft: AuditDraft): { type: 'tenant' | 'provisioning' | 'workspace'; change: string; state?: string } {
  const status = draft.changes?.['status']?.to;
  if (draft.action.startsWith('workspace.')) {
    const change = draft.action.slice('workspace.'.length);
    const state = change === 'stop' || change === 'sleep' ? 'stopped' : change === 'restart' || change === 'start' || change === 'wake' ? 'running' : undefined;
    return { type: 'workspace', change, ...(state ? { state } : {}) };
  }
  if (draft.action === 'tenant.reconcile' || draft.action === 'tenant.drift') return { type: 'provisioning', change: draft.action.slice('tenant.'.length) };
  return { type: 'tenant', change: draft.action, ...(typeof status === 'string' ? { state: status } : {}) };
}
