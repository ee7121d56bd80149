import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentTenant } from '../auth/access.decorator';
import type { TenantDocument } from '../tenants/tenant.schema';
import { AddDomainDto } from './domain.dto';
import { DomainsService } from './domains.service';

@ApiTags('domains')
@ApiBearerAuth()
@Controller('tenants/:slug/domains')
export class DomainsController {
  constructor(private readonly domains: DomainsService) {}

  @Get()
  @Access.tenant('tenant.read')
  list(@CurrentTenant() tenant: TenantDocument) {
    return this.domains.list(tenant);
  }

  @Post()
  @Access.tenant('tenant.update')
  add(@CurrentTenant() tenant: TenantDocument, @Body() dto: AddDomainDto) {
    return this.domains.add(tenant, dto.name);
  }

  @Post(':domain/verify')
  @HttpCode(200)
  @Access.tenant('tenant.update')
  verify(@CurrentTenant() tenant: TenantDocument, @Param('domain') domain: string) {
    return this.domains.verify(tenant, domain.toLowerCase());
  }

  @Delete(':domain')
  @Access.tenant('tenant.update')
  remove(@CurrentTenant() tenant: TenantDocument, @Param('domain') domain: string) {
    return this.domains.remove(tenant, domain.toLowerCase());
  }
}
