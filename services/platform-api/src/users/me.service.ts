import { Injectable } from '@nestjs/common';
import type { Me } from '@tessera/contracts';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { TenantsRepository } from '../tenants/tenants.repository';

@Injectable()
export class MeService {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  async describe(actor: Actor): Promise<Me> {
    const user = actor.user;
    if (!user) throw DomainError.forbidden('A machine token has no user');
    const memberships = await this.memberships.listActiveForUser(user._id);
    const tenants = memberships.length > 0 ? await this.tenants.findByIds(memberships.map((m) => m.tenantId)) : [];
    const slugs = new Map(tenants.map((t) => [t._id.toHexString(), t.slug]));
    return {
      id: user._id.toHexString(),
      subject: user.subject,
      email: user.email,
      name: user.name,
      platformAdmin: user.platformAdmin,
      audience: actor.audiences,
      memberships: memberships.flatMap((m) => {
        const tenantSlug = slugs.get(m.tenantId.toHexString());
        return tenantSlug ? [{ tenantId: m.tenantId.toHexString(), tenantSlug, role: m.role }] : [];
      }),
    };
  }
}
