import { Injectable } from '@nestjs/common';
import type { AuditActorRole, AuditEvent as AuditEventShape, AuditRef, Page } from '@tessera/contracts';
import { AccessRepository } from '../auth/access.repository';
import { actorKind, type Actor } from '../auth/actor';
import { ChangeFeed } from '../common/change-feed';
import { Clock } from '../common/clock';
import { toSkip } from '../common/http/paging.dto';
import type { AuditEventRecord } from './audit-event.schema';
import { AuditNamesRepository, type AuditNamed, type AuditPerson, type AuditRole } from './audit-names.repository';
import { AuditRepository } from './audit.repository';
import type { AuditQuery } from './audit.dto';
import type { AuditDraft } from './mutation';

@Injectable()
export class AuditService {
  constructor(
    private readonly events: AuditRepository,
    private readonly access: AccessRepository,
    private readonly names: AuditNamesRepository,
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
    // Every audited change of a tenant is also a live event: the pages showing it read it again. An audited
    // read changes nothing: as an event it would make the page that read read again, and audit that, for ever.
    if (draft.tenantId && !AUDITED_READS.has(draft.action)) await this.feed.publish({ tenantId: draft.tenantId, ...liveChangeOf(draft) });
  }

  /**
   * A page of events, each with its people and records named (read for the
   * whole page at once). `tenantId` (a tenant's own activity) wins over the
   * query's tenant slug; `forMembers` leaves out who the platform's own
   * people are (operators, CI), which a tenant's members are not shown.
   */
  async list(query: AuditQuery, options: { tenantId?: string; forMembers?: boolean } = {}): Promise<Page<AuditEventShape>> {
    const empty = { items: [], total: 0, page: query.page, pageSize: query.pageSize };
    let tenantId = options.tenantId;
    if (!tenantId && query.tenant) {
      const tenant = await this.access.tenantBySlug(query.tenant);
      if (!tenant) return empty;
      tenantId = tenant.id;
    }
    // A person: part of a name or an email, or a token subject as it is (CI's client, a process).
    const actor = query.actor?.trim();
    const matching = actor ? await this.names.peopleMatching(actor, PEOPLE_PER_FILTER) : [];
    const { items, total } = await this.events.list(
      {
        tenantId,
        actorSubject: actor || undefined,
        actorUserIds: matching.map((person) => person.id),
        action: query.action,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      },
      toSkip(query),
      query.pageSize,
    );
    return { items: await this.describe(items, options.forMembers ?? false), total, page: query.page, pageSize: query.pageSize };
  }

  /** Names the people, tenants and partners of a page of events: one query per collection for the whole page. */
  private async describe(events: AuditEventRecord[], forMembers: boolean): Promise<AuditEventShape[]> {
    const userIds = new Set<string>();
    const tenantIds = new Set<string>();
    const partnerIds = new Set<string>();
    for (const event of events) {
      if (event.actor.userId) userIds.add(event.actor.userId);
      if (event.target.type === 'user' && event.target.id) userIds.add(event.target.id);
      if (event.tenantId) tenantIds.add(event.tenantId);
      if (event.partnerId) partnerIds.add(event.partnerId);
      if (event.target.type === 'tenant' && event.target.id) tenantIds.add(event.target.id);
      if (event.target.type === 'partner' && event.target.id) partnerIds.add(event.target.id);
      for (const [field, change] of Object.entries(event.changes)) {
        const into = ID_FIELDS[field] === 'person' ? userIds : ID_FIELDS[field] === 'partner' ? partnerIds : null;
        for (const value of [change.from, change.to]) if (into && typeof value === 'string') into.add(value);
      }
    }
    const actorIds = events.filter((event) => event.actor.kind === 'user' && event.actor.userId).map((event) => event.actor.userId!);
    const [people, tenants, partners, tenantRoles, partnerRoles] = await Promise.all([
      this.names.people(userIds),
      this.names.tenantsById(tenantIds),
      this.names.partnersById(partnerIds),
      this.names.tenantRoles(actorIds, tenantIds),
      this.names.partnerRoles(actorIds, partnerIds),
    ]);
    const named = {
      people: byId(people),
      tenants: byId(tenants),
      partners: byId(partners),
      tenantRoles: rolesOf(tenantRoles),
      partnerRoles: rolesOf(partnerRoles),
    };
    return events.map((event) => describeEvent(event, named, forMembers));
  }
}

/** Changed fields whose values are ids, and what of: their names are given with the event (`refs`). */
const ID_FIELDS: Record<string, 'person' | 'partner'> = { owner: 'person', partnerId: 'partner' };

/** How many people a person filter may match ("a" matches many; the page still shows their events). */
const PEOPLE_PER_FILTER = 200;

interface Named {
  people: Map<string, AuditPerson>;
  tenants: Map<string, AuditNamed>;
  partners: Map<string, AuditNamed>;
  tenantRoles: Map<string, AuditRole>;
  partnerRoles: Map<string, AuditRole>;
}

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));
/** Keyed by person and scope; a current role wins over a removed one. */
function rolesOf(rows: AuditRole[]): Map<string, AuditRole> {
  const roles = new Map<string, AuditRole>();
  for (const row of rows) {
    const key = `${row.userId}:${row.scopeId}`;
    if (!roles.has(key) || roles.get(key)!.removed) roles.set(key, row);
  }
  return roles;
}

function describeEvent(event: AuditEventRecord, named: Named, forMembers: boolean): AuditEventShape {
  const person = event.actor.userId ? named.people.get(event.actor.userId) : undefined;
  const role = actorRole(event, named);
  // A tenant's members read that "the platform team" acted, not which operator or client.
  const hidden = forMembers && (role === 'operator' || role === 'ci' || role === 'system' || event.support !== null);
  const ref = (named: AuditNamed | undefined): AuditRef | null => (named ? { id: named.id, slug: named.slug, name: named.name } : null);
  return {
    ...event,
    at: event.at.toISOString(),
    actor: { ...event.actor, name: hidden ? null : person?.name || null, email: hidden ? null : person?.email || null, role },
    target: { ...event.target, ...targetName(event, named) },
    tenant: event.tenantId ? ref(named.tenants.get(event.tenantId)) : null,
    partner: event.partnerId ? ref(named.partners.get(event.partnerId)) : null,
    refs: refsOf(event, named),
  };
}

/** Names for the ids in an event's changes (a person by name or email, a partner by name). */
function refsOf(event: AuditEventRecord, named: Named): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const [field, change] of Object.entries(event.changes)) {
    const kind = ID_FIELDS[field];
    if (!kind) continue;
    for (const value of [change.from, change.to]) {
      if (typeof value !== 'string') continue;
      const person = kind === 'person' ? named.people.get(value) : undefined;
      const name = person ? person.name || person.email : kind === 'partner' ? named.partners.get(value)?.name : undefined;
      if (name) refs[value] = name;
    }
  }
  return refs;
}

/** What the actor is to the event: their role on its tenant, else on its partner (a partner's team acting for a customer). */
function actorRole(event: AuditEventRecord, named: Named): AuditActorRole {
  switch (event.actor.kind) {
    case 'operator':
      return 'operator';
    case 'machine':
      return 'ci';
    case 'system':
      return 'system';
    case 'user':
      break;
  }
  const userId = event.actor.userId;
  if (!userId) return 'person';
  const onTenant = event.tenantId ? named.tenantRoles.get(`${userId}:${event.tenantId}`) : undefined;
  if (onTenant) return onTenant.role as AuditActorRole;
  const onPartner = event.partnerId ? named.partnerRoles.get(`${userId}:${event.partnerId}`) : undefined;
  if (onPartner) return onPartner.role === 'admin' ? 'partner-admin' : 'partner-member';
  return 'person';
}

/** A target's name for people and what a link to it needs. */
function targetName(event: AuditEventRecord, named: Named): { label: string | null; slug: string | null } {
  const id = event.target.id;
  if (!id) return { label: null, slug: null };
  switch (event.target.type) {
    case 'tenant': {
      const tenant = named.tenants.get(id);
      return { label: tenant?.name ?? null, slug: tenant?.slug ?? null };
    }
    case 'partner': {
      const partner = named.partners.get(id);
      return { label: partner?.name ?? null, slug: partner?.slug ?? null };
    }
    case 'workspace': {
      // A workspace is named by its tenant's slug.
      const tenant = event.tenantId ? named.tenants.get(event.tenantId) : undefined;
      return { label: tenant?.name ?? id, slug: tenant?.slug ?? id };
    }
    case 'flag':
      return { label: id, slug: id };
    case 'user': {
      const person = named.people.get(id);
      return { label: person ? person.name || person.email : null, slug: null };
    }
    case 'domain':
      return { label: id, slug: null };
    default:
      return { label: null, slug: null };
  }
}

/** What an audited action is, as a live event: its part of the tenant and the state it left, where one word says it. */
/** Actions that record a read (under support access, of a workspace's logs), not a change. */
const AUDITED_READS = new Set(['support.read', 'workspace.logs.read']);

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
