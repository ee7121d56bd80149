import { Injectable, Logger } from '@nestjs/common';
import { PARTNER_ROLES, TENANT_ROLES } from '@tessera/contracts';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import type { UserRecord } from '../users/user.schema';
import { UsersService } from '../users/users.service';
import { AccessRepository } from './access.repository';
import type { Actor } from './actor';
import type { VerifiedToken } from './token-verifier';

/**
 * Turns a verified token into an Actor. Authorization comes from the database;
 * the token's groups are read only when a user is first seen, through the
 * documented mapping (docs/auth.md): the admin group bootstraps platformAdmin,
 * and `<prefix><slug>:<role>` groups bootstrap tenant and partner memberships.
 */
@Injectable()
export class ActorService {
  private readonly logger = new Logger(ActorService.name);

  constructor(
    private readonly users: UsersService,
    private readonly access: AccessRepository,
    private readonly config: AppConfig,
  ) {}

  async resolve(token: VerifiedToken): Promise<Actor> {
    const forPerson = token.audiences.includes('portal') || token.audiences.includes('operator');
    let user: UserRecord | null = null;
    if (forPerson) {
      const synced = await this.users.syncFromToken(token);
      user = synced.user;
      // Read through the users cache, which every write of a user drops in this process: a person disabled here
      // is refused from the very next request; another API process sees it within READ_CACHE_SYNC_MS (docs/auth.md).
      if (user.disabledAt) throw DomainError.accountDisabled();
      if (synced.created) await this.bootstrapMemberships(user, token.groups);
    }
    return {
      subject: token.subject,
      audiences: token.audiences,
      user,
      isOperator: token.audiences.includes('operator') && user?.platformAdmin === true,
      groups: token.groups,
    };
  }

  private async bootstrapMemberships(user: UserRecord, groups: string[]): Promise<void> {
    for (const grant of parseRoleGroups(groups, this.config.auth.tenantGroupPrefix, TENANT_ROLES)) {
      if (!(await this.access.bootstrapTenantRole(grant.slug, user.id, grant.role))) continue;
      this.logger.log({ subject: user.subject, tenant: grant.slug, role: grant.role }, 'membership bootstrapped from a group claim');
    }
    for (const grant of parseRoleGroups(groups, this.config.auth.partnerGroupPrefix, PARTNER_ROLES)) {
      if (!(await this.access.bootstrapPartnerRole(grant.slug, user.id, grant.role))) continue;
      this.logger.log({ subject: user.subject, partner: grant.slug, role: grant.role }, 'partner membership bootstrapped from a group claim');
    }
  }
}

/**
 * `tenant:northwind:admin` → { slug: 'northwind', role: 'admin' }; `tenant:northwind` → the first role
 * listed last, i.e. the least powerful. Groups with another prefix or an unknown role are ignored.
 */
export function parseRoleGroups<Role extends string>(groups: string[], prefix: string, roles: readonly Role[]): { slug: string; role: Role }[] {
  const grants: { slug: string; role: Role }[] = [];
  const least = roles[roles.length - 1]!;
  for (const group of groups) {
    if (!group.startsWith(prefix)) continue;
    const [slug, role = least, ...rest] = group.slice(prefix.length).split(':');
    if (!slug || rest.length > 0 || !(roles as readonly string[]).includes(role)) continue;
    grants.push({ slug, role: role as Role });
  }
  return grants;
}
