import { Injectable } from '@nestjs/common';
import type { LiveEvent } from '@tessera/contracts';
import { AccessRepository } from '../auth/access.repository';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { PartnerMembershipsRepository } from '../partners/partner-memberships.repository';
import { PartnersRepository } from '../partners/partners.repository';
import type { LiveEventRecord } from './live-event.schema';

/** Open streams one person may hold at once in this process (tabs, devices); more answer 429. */
export const MAX_STREAMS_PER_PERSON = 10;

/**
 * Who sees which live event: operators every tenant's; a person their own
 * tenants' and, on an active partner's team, the partner's customers'.
 * Decided per event from cached lookups, so a tenant created after the
 * stream opened is seen too, and a removed member or team member stops
 * seeing at once.
 */
@Injectable()
export class LiveStreamService {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly access: AccessRepository,
    private readonly memberships: MembershipsRepository,
    private readonly partnerMemberships: PartnerMembershipsRepository,
    private readonly partnersRepository: PartnersRepository,
  ) {}

  /** The visibility rule of one stream (a stream lives a few minutes, then reconnects and is decided again). */
  async viewer(actor: Actor): Promise<(event: LiveEventRecord) => Promise<boolean>> {
    const user = actor.user;
    if (!user) throw DomainError.forbidden('Live events are for people');
    if (actor.isOperator) return async () => true;
    // Only active partners: a terminated partner's team no longer sees its former customers.
    const teams = await this.partnerMemberships.listActiveForUser(user.id);
    const partners = new Set(
      (await Promise.all(teams.map(async (membership) => ((await this.partnersRepository.findById(membership.scopeId))?.status === 'active' ? membership.scopeId : null)))).filter(
        (id): id is string => id !== null,
      ),
    );
    return async (event) => {
      if (await this.memberships.findActive(event.tenantId, user.id)) return true;
      if (partners.size === 0) return false;
      const tenant = await this.access.tenantBySlug(event.tenantSlug);
      if (!tenant?.partnerId || !partners.has(tenant.partnerId)) return false;
      return (await this.access.partnerRole(tenant.partnerId, user.id)) !== null;
    };
  }

  /** Counts a stream of this person's; answers its release. Over MAX_STREAMS_PER_PERSON: 429. */
  admit(userId: string): () => void {
    const count = this.open.get(userId) ?? 0;
    if (count >= MAX_STREAMS_PER_PERSON) throw DomainError.rateLimited(`At most ${MAX_STREAMS_PER_PERSON} live streams may be open at once; close a tab and try again`);
    this.open.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
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
