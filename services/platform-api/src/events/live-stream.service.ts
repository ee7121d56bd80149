import { Injectable } from '@nestjs/common';
import type { LiveEvent } from '@tessera/contracts';
import { AccessRepository } from '../auth/access.repository';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { PartnerMembershipsRepository } from '../partners/partner-memberships.repository';
import type { LiveEventRecord } from './live-event.schema';

/**
 * Who sees which live event: operators every tenant's; a person their own
 * tenants' and, on a partner's team, the partner's customers'. Decided per
 * event from cached lookups, so a tenant created after the stream opened is
 * seen too.
 */
@Injectable()
export class LiveStreamService {
  constructor(
    private readonly access: AccessRepository,
    private readonly memberships: MembershipsRepository,
    private readonly partnerMemberships: PartnerMembershipsRepository,
  ) {}

  /** The visibility rule of one stream, fixed when it opens (a stream lives a few minutes, then reconnects). */
  async viewer(actor: Actor): Promise<(event: LiveEventRecord) => Promise<boolean>> {
    const user = actor.user;
    if (!user) throw DomainError.forbidden('Live events are for people');
    if (actor.isOperator) return async () => true;
    const partners = new Set((await this.partnerMemberships.listActiveForUser(user.id)).map((membership) => membership.scopeId));
    return async (event) => {
      if (await this.memberships.findActive(event.tenantId, user.id)) return true;
      if (partners.size === 0) return false;
      const tenant = await this.access.tenantBySlug(event.tenantSlug);
      return tenant?.partnerId !== null && tenant?.partnerId !== undefined && partners.has(tenant.partnerId);
    };
  }
}

export function toLiveEvent(event: LiveEventRecord): LiveEvent {
  return {
    id: event.id,
    type: event.type,
    tenantId: event.tenantId,
    tenantSlug: event.tenantSlug,
    change: event.change,
    ...(event.state ? { state: event.state } : {}),
    at: event.at.toISOString(),
  };
}
