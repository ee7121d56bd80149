import { ApiProperty } from '@nestjs/swagger';
import { TENANT_ROLES, type Member, type TenantRole } from '@tessera/contracts';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import type { MembershipRecord } from '../memberships/membership-store';
import type { UserRecord } from '../users/user.schema';

export class AddMemberDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ enum: TENANT_ROLES })
  @IsIn(TENANT_ROLES)
  role: TenantRole;
}

export class ChangeMemberRoleDto {
  @ApiProperty({ enum: TENANT_ROLES })
  @IsIn(TENANT_ROLES)
  role: TenantRole;
}

export function mapMember(membership: MembershipRecord<TenantRole>, user: UserRecord | undefined): Member {
  return {
    userId: membership.userId,
    email: user?.email ?? '',
    name: user?.name ?? '',
    role: membership.role,
    createdAt: membership.createdAt.toISOString(),
    // Invited and never signed in yet: the identity provider has the person, Tessera has not seen them.
    invited: !user?.lastSeenAt,
  };
}
