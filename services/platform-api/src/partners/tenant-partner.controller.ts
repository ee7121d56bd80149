import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { TenantBySlugPipe } from '../tenants/tenant-by-slug.pipe';
import type { TenantRecord } from '../tenants/tenant.schema';
import { AttachPartnerDto } from './partner.dto';
import { PartnersService } from './partners.service';

/** A tenant's side of its partner: operators attach and detach it; its members read the branding. */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('tenants/:slug')
export class TenantPartnerController {
  constructor(private readonly partners: PartnersService) {}

  @Put('partner')
  @Access.operatorOnTenant()
  attach(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: AttachPartnerDto) {
    return this.partners.attach(tenant, dto.partner);
  }

  @Delete('partner')
  @Access.operatorOnTenant()
  detach(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.partners.detach(tenant);
  }

  /** The white-label branding the portal shows this tenant's people: its partner's, or empty. */
  @Get('branding')
  @Access.tenant('tenant.read')
  branding(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.partners.brandingOf(tenant);
  }
}
