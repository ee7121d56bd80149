import { Injectable, Logger } from '@nestjs/common';
import type { PartnerRole, PartnerTeamMember } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { IdentityDirectory } from '../integrations/identity/identity-directory.port';
import type { UserRecord } from '../users/user.schema';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import type { InviteTeamMemberDto } from './partner.dto';
import type { MembershipRecord } from '../memberships/membership-store';
import { PartnerMembershipsRepository } from './partner-memberships.repository';
import type { PartnerRecord } from './partner.schema';
import { partnerTarget } from './partners.service';
import { isIntegrationError } from '../integrations/integration-error';

/** A partner's team: access levels, MFA status from the identity provider, invitations. A partner keeps one admin. */
@Injectable()
export class PartnerTeamService {
  private readonly logger = new Logger(PartnerTeamService.name);

  constructor(
    private readonly memberships: PartnerMembershipsRepository,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly directory: IdentityDirectory,
    private readonly clock: Clock,
  ) {}

  async list(partner: PartnerRecord): Promise<PartnerTeamMember[]> {
    const memberships = await this.memberships.listActiveFor(partner.id);
    const users = new Map((await this.users.findByIds(memberships.map((m) => m.userId))).map((user) => [user.id, user]));
    return Promise.all(
      memberships.map(async (membership) => {
        const user = users.get(membership.userId);
        return mapTeamMember(membership, user, user ? await this.mfaDevices(user) : null);
      }),
    );
  }

  /** Creates the person in the identity provider unless they exist, then grants the access level. */
  async invite(partner: PartnerRecord, dto: InviteTeamMemberDto): Promise<Mutation<PartnerTeamMember>> {
    const invited = await this.directory.inviteUser({ email: dto.email, name: dto.name ?? dto.email });
    const user = await this.usersService.ensureInvited(invited);
    if (await this.memberships.findActive(partner.id, user.id)) throw DomainError.conflict(`${dto.email} is already on the team`);
    const membership = await this.memberships.upsert(partner.id, user.id, dto.role);
    return mutation(mapTeamMember(membership, user, await this.mfaDevices(user)), {
      action: 'partner.member.invite',
      ...partnerTarget(partner),
      target: { type: 'user', id: user.id },
      changes: { role: { from: null, to: dto.role } },
    });
  }

  async changeRole(partner: PartnerRecord, userId: string, role: PartnerRole): Promise<Mutation<PartnerTeamMember>> {
    const membership = await this.findMember(partner, userId);
    if (membership.role === 'admin' && role !== 'admin') await this.keepAnAdmin(partner);
    const updated = (await this.memberships.setRole(membership.id, role)) ?? membership;
    const [user] = await this.users.findByIds([membership.userId]);
    return mutation(mapTeamMember(updated, user, user ? await this.mfaDevices(user) : null), {
      action: 'partner.member.change-role',
      ...partnerTarget(partner),
      target: { type: 'user', id: userId },
      changes: { role: { from: membership.role, to: role } },
    });
  }

  async remove(partner: PartnerRecord, userId: string): Promise<Mutation<{ removed: true }>> {
    const membership = await this.findMember(partner, userId);
    if (membership.role === 'admin') await this.keepAnAdmin(partner);
    await this.memberships.markRemoved(membership.id, this.clock.now());
    return mutation({ removed: true } as const, {
      action: 'partner.member.remove',
      ...partnerTarget(partner),
      target: { type: 'user', id: userId },
      changes: { role: { from: membership.role, to: null } },
    });
  }

  /** Confirmed authenticators, asked of the identity provider; null when it cannot answer. */
  private async mfaDevices(user: UserRecord): Promise<number | null> {
    try {
      const found = await this.directory.findUserByEmail(user.email);
      return found ? await this.directory.countConfirmedMfaDevices(found.id) : 0;
    } catch (error: unknown) {
      if (!isIntegrationError(error, 'identity')) throw error;
      this.logger.warn({ user: user.id, error: error.message }, 'MFA status unknown');
      return null;
    }
  }

  private async findMember(partner: PartnerRecord, userId: string): Promise<MembershipRecord<PartnerRole>> {
    const membership = await this.memberships.findActive(partner.id, userId);
    if (!membership) throw DomainError.notFound('That team member');
    return membership;
  }

  private async keepAnAdmin(partner: PartnerRecord): Promise<void> {
    if ((await this.memberships.countActiveWithRole(partner.id, 'admin')) <= 1) throw DomainError.conflict('A partner must keep at least one admin');
  }
}

function mapTeamMember(membership: MembershipRecord<PartnerRole>, user: UserRecord | undefined, mfaDevices: number | null): PartnerTeamMember {
  return {
    userId: membership.userId,
    email: user?.email ?? '',
    name: user?.name ?? '',
    role: membership.role,
    mfaDevices,
    mfaEnabled: mfaDevices === null ? null : mfaDevices > 0,
    createdAt: membership.createdAt.toISOString(),
  };
}
