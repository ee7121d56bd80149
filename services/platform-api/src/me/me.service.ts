import { Injectable } from '@nestjs/common';
import type { Me } from '@tessera/contracts';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { PartnerMembershipsRepository } from '../partners/partner-memberships.repository';
import { PartnersRepository } from '../partners/partners.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersService } from '../users/users.service';

/** GET /users/me: the caller, with their tenants and partners. */
@Injectable()
export class MeService {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly tenants: TenantsRepository,
    private readonly partnerMemberships: PartnerMembershipsRepository,
    private readonly partners: PartnersRepository,
    private readonly users: UsersService,
  ) {}

  async describe(actor: Actor): Promise<Me> {
    if (!actor.user) throw DomainError.forbidden('A machine token has no user');
    const user = await this.users.recordAppOpened(actor.user);
    const memberships = await this.memberships.listActiveForUser(user.id);
    const tenants = memberships.length > 0 ? await this.tenants.findByIds(memberships.map((m) => m.scopeId)) : [];
    const byId = new Map(tenants.map((t) => [t.id, t]));
    const partnerMemberships = await this.partnerMemberships.listActiveForUser(user.id);
    const partners = await Promise.all(partnerMemberships.map(async (m) => ({ membership: m, partner: await this.partners.findById(m.scopeId) })));
    return {
      id: user.id,
      subject: user.subject,
      email: user.email,
      name: user.name,
      platformAdmin: user.platformAdmin,
      audience: actor.audiences,
      memberships: memberships.flatMap((m) => {
        const tenant = byId.get(m.scopeId);
        return tenant ? [{ tenantId: m.scopeId, tenantSlug: tenant.slug, tenantName: tenant.name, tenantStatus: tenant.status, approval: tenant.approval, role: m.role }] : [];
      }),
      partners: partners.flatMap(({ membership, partner }) =>
        partner && partner.status === 'active' ? [{ partnerId: partner.id, partnerSlug: partner.slug, role: membership.role }] : [],
      ),
    };
  }
}
