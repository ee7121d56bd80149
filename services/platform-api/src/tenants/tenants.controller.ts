import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { CreateTenantDto, LifecycleDto, ListTenantsQuery, TerminateTenantDto, UpdateTenantDto } from './tenant.dto';
import { TenantBySlugPipe } from './tenant-by-slug.pipe';
import type { TenantRecord } from './tenant.schema';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @Access.authenticated()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateTenantDto) {
    return this.tenants.create(actor, dto);
  }

  @Get()
  @Access.authenticated()
  list(@CurrentActor() actor: Actor, @Query() query: ListTenantsQuery) {
    return this.tenants.list(actor, query);
  }

  @Get(':slug')
  @Access.tenant('tenant.read')
  read(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.tenants.read(tenant);
  }

  @Patch(':slug')
  @Access.tenant('tenant.update')
  update(@CurrentActor() actor: Actor, @Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(tenant, dto, actor);
  }

  @Post(':slug/suspend')
  @HttpCode(200)
  @Access.operatorOnTenant()
  suspend(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: LifecycleDto) {
    return this.tenants.changeStatus(tenant, 'suspend', dto.reason);
  }

  @Post(':slug/resume')
  @HttpCode(200)
  @Access.operatorOnTenant()
  resume(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: LifecycleDto) {
    return this.tenants.changeStatus(tenant, 'resume', dto.reason);
  }

  @Post(':slug/approve')
  @HttpCode(200)
  @Access.operatorOnTenant()
  approve(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: LifecycleDto) {
    return this.tenants.approve(tenant, dto.reason);
  }

  @Post(':slug/reject')
  @HttpCode(200)
  @Access.operatorOnTenant()
  reject(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: LifecycleDto) {
    return this.tenants.reject(tenant, dto.reason);
  }

  @Post(':slug/terminate')
  @HttpCode(200)
  @Access.operatorOnTenant()
  terminate(@CurrentActor() actor: Actor, @Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: TerminateTenantDto) {
    return this.tenants.changeStatus(tenant, 'terminate', dto.reason, { actor, force: dto.force });
  }
}
