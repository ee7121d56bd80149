import { Injectable } from '@nestjs/common';
import type { Member, TenantRole } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import type { TenantRoleGrant } from '../auth/access-records';
import type { MembershipRecord } from '../memberships/membership-store';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { IdentityDirectory } from '../integrations/identity/identity-directory.port';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { mapMember, type AddMemberDto } from './member.dto';

/** The tenant members are managed on. */
type TenantRef = { id: string; slug: string };

/**
 * Owners and admins manage members. Only an owner (or an operator) may grant,
 * change or take away the owner role, and a tenant always keeps one owner.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly directory: IdentityDirectory,
    private readonly clock: Clock,
  ) {}

  async list(tenant: TenantRef): Promise<Member[]> {
    const memberships = await this.memberships.listActiveFor(tenant.id);
    const users = await this.users.findByIds(memberships.map((m) => m.userId));
    const byId = new Map(users.map((user) => [user.id, user]));
    return memberships.map((m) => mapMember(m, byId.get(m.userId)));
  }

  async add(actor: Actor, own: TenantRoleGrant | null, tenant: TenantRef, dto: AddMemberDto): Promise<Mutation<Member>> {
    if (dto.role === 'owner') this.requireOwnerPower(actor, own);
    // Someone who never signed in is invited: created in the identity provider, and here under the subject they will sign in with.
    const user = (await this.users.findByEmail(dto.email)) ?? (await this.usersService.ensureInvited(await this.directory.inviteUser({ email: dto.email, name: dto.email })));
    const existing = await this.memberships.findActive(tenant.id, user.id);
    if (existing) throw DomainError.conflict(`${dto.email} is already a member`);
    const membership = await this.memberships.upsert(tenant.id, user.id, dto.role);
    return mutation(mapMember(membership, user), {
      action: 'member.add',
      target: { type: 'user', id: user.id },
      tenantId: tenant.id,
      changes: { role: { from: null, to: dto.role } },
    });
  }

  async changeRole(actor: Actor, own: TenantRoleGrant | null, tenant: TenantRef, userId: string, role: TenantRole): Promise<Mutation<Member>> {
    const membership = await this.findMember(tenant, userId);
    if (membership.role === 'owner' || role === 'owner') this.requireOwnerPower(actor, own);
    if (membership.role === 'owner' && role !== 'owner') await this.keepAnOwner(tenant);
    const updated = (await this.memberships.setRole(membership.id, role)) ?? membership;
    const [user] = await this.users.findByIds([membership.userId]);
    return mutation(mapMember(updated, user), {
      action: 'member.change-role',
      target: { type: 'user', id: userId },
      tenantId: tenant.id,
      changes: { role: { from: membership.role, to: role } },
    });
  }

  async remove(actor: Actor, own: TenantRoleGrant | null, tenant: TenantRef, userId: string): Promise<Mutation<{ removed: true }>> {
    const membership = await this.findMember(tenant, userId);
    if (membership.role === 'owner') {
      this.requireOwnerPower(actor, own);
      await this.keepAnOwner(tenant);
    }
    await this.memberships.markRemoved(membership.id, this.clock.now());
    return mutation({ removed: true } as const, {
      action: 'member.remove',
      target: { type: 'user', id: userId },
      tenantId: tenant.id,
      changes: { role: { from: membership.role, to: null } },
    });
  }

  private async findMember(tenant: TenantRef, userId: string): Promise<MembershipRecord<TenantRole>> {
    const membership = await this.memberships.findActive(tenant.id, userId);
    if (!membership) throw DomainError.notFound('That member');
    return membership;
  }

  private requireOwnerPower(actor: Actor, own: TenantRoleGrant | null): void {
    if (actor.isOperator || own?.role === 'owner') return;
    throw DomainError.forbidden('Only an owner can grant, change or remove the owner role');
  }

  private async keepAnOwner(tenant: TenantRef): Promise<void> {
    if ((await this.memberships.countActiveWithRole(tenant.id, 'owner')) <= 1) {
      throw DomainError.conflict('A tenant must keep at least one owner');
    }
  }
}
