import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { TenantAccess } from '../auth/access-records';
import { Access, CurrentTenant } from '../auth/access.decorator';
import { TenantActivityQuery } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';

/** A tenant's activity for its members: what was changed, by whom, sleeps and wakes included. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('tenants/:slug/activity')
export class TenantActivityController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access.tenant('tenant.read')
  list(@CurrentTenant() tenant: TenantAccess, @Query() query: TenantActivityQuery) {
    return this.audit.list(query, { tenantId: tenant.id, forMembers: true });
  }
}
