import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { TenantBySlugPipe } from '../tenants/tenant-by-slug.pipe';
import type { TenantRecord } from '../tenants/tenant.schema';
import { AddDomainDto } from './domain.dto';
import { DomainsService } from './domains.service';

@ApiTags('domains')
@ApiBearerAuth()
@Controller('tenants/:slug/domains')
export class DomainsController {
  constructor(private readonly domains: DomainsService) {}

  @Get()
  @Access.tenant('tenant.read')
  list(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.domains.list(tenant);
  }

  @Post()
  @Access.tenant('tenant.update')
  add(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: AddDomainDto) {
    return this.domains.add(tenant, dto.name);
  }

  @Post(':domain/verify')
  @HttpCode(200)
  @Access.tenant('tenant.update')
  verify(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Param('domain') domain: string) {
    return this.domains.verify(tenant, domain.toLowerCase());
  }

  @Delete(':domain')
  @Access.tenant('tenant.update')
  remove(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Param('domain') domain: string) {
    return this.domains.remove(tenant, domain.toLowerCase());
  }
}
