import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPartner, CurrentTenant } from '../auth/access.decorator';
import { LifecycleDto, UpdateTenantDto } from '../tenants/tenant.dto';
import type { TenantDocument } from '../tenants/tenant.schema';
import { TenantHealthService } from '../tenants/tenant-health.service';
import { TenantsService } from '../tenants/tenants.service';
import { CreatePartnerTenantDto, PartnerTenantsQuery } from './partner.dto';
import type { PartnerDocument } from './partner.schema';
import { PartnerTenantsService } from './partner-tenants.service';

/**
 * A partner's customers. Every route names the partner, and the AccessGuard
 * answers 404 for a `:slug` that is not one of the partner's tenants.
 */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('partners/:partner/tenants')
export class PartnerTenantsController {
  constructor(
    private readonly partnerTenants: PartnerTenantsService,
    private readonly tenants: TenantsService,
    private readonly health: TenantHealthService,
  ) {}

  @Get()
  @Access.partner('partner.read')
  list(@CurrentPartner() partner: PartnerDocument, @Query() query: PartnerTenantsQuery) {
    return this.partnerTenants.list(partner, query);
  }

  @Post()
  @Access.partner('partner.tenants.manage')
  create(@CurrentPartner() partner: PartnerDocument, @Body() dto: CreatePartnerTenantDto) {
    return this.partnerTenants.create(partner, dto);
  }

  @Get(':slug')
  @Access.partner('partner.read')
  read(@CurrentTenant() tenant: TenantDocument) {
    return this.health.describeOne(tenant);
  }

  @Patch(':slug')
  @Access.partner('partner.tenants.manage')
  update(@CurrentTenant() tenant: TenantDocument, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(tenant, dto);
  }

  @Post(':slug/suspend')
  @HttpCode(200)
  @Access.partner('partner.tenants.manage')
  suspend(@CurrentTenant() tenant: TenantDocument, @Body() dto: LifecycleDto) {
    return this.tenants.changeStatus(tenant, 'suspend', dto.reason);
  }

  @Post(':slug/resume')
  @HttpCode(200)
  @Access.partner('partner.tenants.manage')
  resume(@CurrentTenant() tenant: TenantDocument, @Body() dto: LifecycleDto) {
    return this.tenants.changeStatus(tenant, 'resume', dto.reason);
  }
}
