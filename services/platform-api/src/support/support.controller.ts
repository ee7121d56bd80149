import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, AllowedWhenTerminated, CurrentActor, CurrentMembership, CurrentTenant } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import type { TenantAccess, TenantRoleGrant } from '../auth/access-records';
import { ObjectIdPipe } from '../common/http/object-id.pipe';
import { RequestSupportDto } from './support.dto';
import { SupportService } from './support.service';

@ApiTags('support')
@ApiBearerAuth()
@Controller('tenants/:slug/support-access')
// A terminated tenant's data is kept so that it can still be read (a dispute, a request for a person's data):
// asking for and deciding on support access changes who may read it, never the tenant itself.
@AllowedWhenTerminated('support access decides who may read the kept data of a terminated tenant; it changes nothing of the tenant')
export class SupportController {
  constructor(private readonly support: SupportService) {}

  @Post()
  @Access.operatorOnTenant()
  request(@CurrentActor() actor: Actor, @CurrentTenant() tenant: TenantAccess, @Body() dto: RequestSupportDto) {
    return this.support.request(actor, tenant, dto.reason);
  }

  /** Requests and grants, for the tenant's members (the banner) and operators. */
  @Get()
  @Access.tenant('tenant.read')
  list(@CurrentTenant() tenant: TenantAccess) {
    return this.support.list(tenant);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Access.tenant('support.manage')
  approve(@CurrentActor() actor: Actor, @CurrentMembership() own: TenantRoleGrant | null, @CurrentTenant() tenant: TenantAccess, @Param('id', new ObjectIdPipe('That support request')) id: string) {
    return this.support.approve(actor, own, tenant, id);
  }

  @Post(':id/deny')
  @HttpCode(200)
  @Access.tenant('support.manage')
  deny(@CurrentActor() actor: Actor, @CurrentMembership() own: TenantRoleGrant | null, @CurrentTenant() tenant: TenantAccess, @Param('id', new ObjectIdPipe('That support request')) id: string) {
    return this.support.deny(actor, own, tenant, id);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Access.tenant('support.manage')
  revoke(@CurrentActor() actor: Actor, @CurrentMembership() own: TenantRoleGrant | null, @CurrentTenant() tenant: TenantAccess, @Param('id', new ObjectIdPipe('That support request')) id: string) {
    return this.support.revoke(actor, own, tenant, id);
  }
}
