import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor, CurrentMembership, CurrentTenant } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import type { TenantAccess, TenantRoleGrant } from '../auth/access-records';
import { ObjectIdPipe } from '../common/http/object-id.pipe';
import { AddMemberDto, ChangeMemberRoleDto } from './member.dto';
import { MembersService } from './members.service';

@ApiTags('members')
@ApiBearerAuth()
@Controller('tenants/:slug/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @Access.tenant('members.read')
  list(@CurrentTenant() tenant: TenantAccess) {
    return this.members.list(tenant);
  }

  @Post()
  @Access.tenant('members.manage')
  add(@CurrentActor() actor: Actor, @CurrentMembership() own: TenantRoleGrant | null, @CurrentTenant() tenant: TenantAccess, @Body() dto: AddMemberDto) {
    return this.members.add(actor, own, tenant, dto);
  }

  @Patch(':userId')
  @Access.tenant('members.manage')
  changeRole(
    @CurrentActor() actor: Actor,
    @CurrentMembership() own: TenantRoleGrant | null,
    @CurrentTenant() tenant: TenantAccess,
    @Param('userId', new ObjectIdPipe('That member')) userId: string,
    @Body() dto: ChangeMemberRoleDto,
  ) {
    return this.members.changeRole(actor, own, tenant, userId, dto.role);
  }

  @Delete(':userId')
  @Access.tenant('members.manage')
  remove(@CurrentActor() actor: Actor, @CurrentMembership() own: TenantRoleGrant | null, @CurrentTenant() tenant: TenantAccess, @Param('userId', new ObjectIdPipe('That member')) userId: string) {
    return this.members.remove(actor, own, tenant, userId);
  }
}
