import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { LifecycleDto, UpdateTenantDto } from '../tenants/tenant.dto';
import { TenantBySlugPipe } from '../tenants/tenant-by-slug.pipe';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantHealthService } from '../tenants/tenant-health.service';
import { TenantsService } from '../tenants/tenants.service';
import { CreatePartnerTenantDto, PartnerTenantsQuery } from './partner.dto';
import { PartnerBySlugPipe } from './partner-by-slug.pipe';
import type { PartnerRecord } from './partner.schema';
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
  list(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Query() query: PartnerTenantsQuery) {
    return this.partnerTenants.list(partner, query);
  }

  @Post()
  @Access.partner('partner.tenants.manage')
  create(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Body() dto: CreatePartnerTenantDto) {
    return this.partnerTenants.create(partner, dto);
  }

  @Get(':slug')
  @Access.partner('partner.read')
  read(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.health.describeOne(tenant);
  }

  @Patch(':slug')
  @Access.partner('partner.tenants.manage')
  update(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(tenant, dto);
  }

  @Post(':slug/suspend')
  @HttpCode(200)
  @Access.partner('partner.tenants.manage')
  suspend(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: LifecycleDto) {
    return this.tenants.changeStatus(tenant, 'suspend', dto.reason);
  }

  @Post(':slug/resume')
  @HttpCode(200)
  @Access.partner('partner.tenants.manage')
  resume(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: LifecycleDto) {
    return this.tenants.changeStatus(tenant, 'resume', dto.reason);
  }
}
