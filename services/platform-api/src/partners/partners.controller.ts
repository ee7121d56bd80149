import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { LifecycleDto } from '../tenants/tenant.dto';
import { BrandingDto, CreatePartnerDto, ListPartnersQuery, PartnerSettingsDto, UpdatePartnerDto } from './partner.dto';
import { PartnerBySlugPipe } from './partner-by-slug.pipe';
import type { PartnerRecord } from './partner.schema';
import { PartnerTenantsService } from './partner-tenants.service';
import { PartnersService } from './partners.service';

@ApiTags('partners')
@ApiBearerAuth()
@Controller('partners')
export class PartnersController {
  constructor(
    private readonly partners: PartnersService,
    private readonly partnerTenants: PartnerTenantsService,
  ) {}

  @Post()
  @Access.operator()
  create(@Body() dto: CreatePartnerDto) {
    return this.partners.create(dto);
  }

  @Get()
  @Access.operator()
  list(@Query() query: ListPartnersQuery) {
    return this.partners.list(query);
  }

  @Get(':partner')
  @Access.partner('partner.read')
  read(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord) {
    return this.partners.read(partner);
  }

  @Patch(':partner')
  @Access.operatorOnPartner()
  update(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Body() dto: UpdatePartnerDto) {
    return this.partners.update(partner, dto);
  }

  /** Soft termination: the status changes, nothing is deleted. */
  @Delete(':partner')
  @HttpCode(200)
  @Access.operatorOnPartner()
  terminate(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Body() dto: LifecycleDto) {
    return this.partners.terminate(partner, dto.reason);
  }

  @Patch(':partner/settings')
  @Access.partner('partner.settings.manage')
  updateSettings(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Body() dto: PartnerSettingsDto) {
    return this.partners.updateSettings(partner, dto);
  }

  @Patch(':partner/branding')
  @Access.partner('partner.settings.manage')
  updateBranding(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Body() dto: BrandingDto) {
    return this.partners.updateBranding(partner, dto);
  }

  @Get(':partner/alerts')
  @Access.partner('partner.read')
  alerts(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord) {
    return this.partnerTenants.alerts(partner);
  }
}
