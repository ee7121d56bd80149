import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { AuditQuery, TenantActivityQuery } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access.operator()
  list(@Query() query: AuditQuery) {
    return this.audit.list(query);
  }
}

/** A tenant's activity for its members: what was changed, by whom, sleeps and wakes included. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('tenants/:slug/activity')
export class TenantActivityController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access.tenant('tenant.read')
  list(@Param('slug') slug: string, @Query() query: TenantActivityQuery) {
    return this.audit.list({ ...query, tenant: slug });
  }
}
