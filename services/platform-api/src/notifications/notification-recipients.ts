import { Injectable } from '@nestjs/common';
import { OPERATOR_NOTIFICATION_KINDS, SECURITY_NOTIFICATION_KINDS, type NotificationKind, type WebhookScope } from '@tessera/contracts';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { PartnerMembershipsRepository } from '../partners/partner-memberships.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersRepository } from '../users/users.repository';
import type { NotificationRecord, WebhookEndpointRecord } from './notification.schema';
import { NotificationPreferencesRepository, WebhookEndpointsRepository } from './notifications.repository';

/** A person who hears of a notice by email, and whose brand the mail wears (a partner's, or Tessera's when null). */
export interface MailRecipient {
  userId: string;
  email: string;
  brandPartnerId: string | null;
}

export interface Recipients {
  people: MailRecipient[];
  endpoints: WebhookEndpointRecord[];
}

/** The most operators one notice is mailed to. */
const MAX_OPERATORS = 200;

export const isSecurityKind = (kind: NotificationKind): boolean => SECURITY_NOTIFICATION_KINDS.includes(kind);

/**
 * Who hears of a notice: a tenant's owners for their tenant; its partner's
 * admins for their customers (and a partner's own notices); operators for
 * platform events (OPERATOR_NOTIFICATION_KINDS, and any notice that names no
 * tenant or partner). People who turned the kind off by email are left out,
 * except for security kinds; disabled people and people without an email are
 * left out. Webhook endpoints follow the same scopes, filtered by their kinds.
 */
@Injectable()
export class NotificationRecipients {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly partnerMemberships: PartnerMembershipsRepository,
    private readonly users: UsersRepository,
    private readonly preferences: NotificationPreferencesRepository,
    private readonly endpoints: WebhookEndpointsRepository,
  ) {}

  async of(notice: NotificationRecord): Promise<Recipients> {
    const tenant = notice.tenantId ? await this.tenants.findById(notice.tenantId) : null;
    const partnerId = tenant ? tenant.partnerId : notice.partnerId;
    const forOperators = OPERATOR_NOTIFICATION_KINDS.includes(notice.kind) || (!tenant && !partnerId);
    // The first reason a person is reached decides the brand: a partner's customer hears in the partner's colours.
    const brandOf = new Map<string, string | null>();
    const add = (userId: string, brand: string | null) => {
      if (!brandOf.has(userId)) brandOf.set(userId, brand);
    };
    if (tenant) {
      for (const membership of await this.memberships.listActiveFor(tenant.id)) if (membership.role === 'owner') add(membership.userId, partnerId);
    }
    if (partnerId) {
      for (const membership of await this.partnerMemberships.listActiveFor(partnerId)) if (membership.role === 'admin') add(membership.userId, partnerId);
    }
    if (forOperators) {
      const operators = await this.users.list({ platformAdmin: true, disabled: false }, 0, MAX_OPERATORS);
      for (const operator of operators.items) add(operator.id, null);
    }
    const people = await this.users.findByIds([...brandOf.keys()]);
    const muted = isSecurityKind(notice.kind) ? new Map<string, Set<string>>() : await this.preferences.mutedOfMany(people.map((person) => person.id));
    const scopes: { scope: WebhookScope; scopeId: string | null }[] = [];
    if (tenant) scopes.push({ scope: 'tenant', scopeId: tenant.id });
    if (partnerId) scopes.push({ scope: 'partner', scopeId: partnerId });
    if (forOperators) scopes.push({ scope: 'platform', scopeId: null });
    const endpoints = (await this.endpoints.listEnabledFor(scopes)).filter((endpoint) => endpoint.kinds.length === 0 || endpoint.kinds.includes(notice.kind));
    return {
      people: people
        .filter((person) => !person.disabledAt && person.email && !muted.get(person.id)?.has(`${notice.kind}:email`))
        .map((person) => ({ userId: person.id, email: person.email, brandPartnerId: brandOf.get(person.id) ?? null })),
      endpoints,
    };
  }
}
