import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { UsageHistory } from '@tessera/contracts';
import { Access } from '../auth/access.decorator';
import { TenantBySlugPipe } from '../tenants/tenant-by-slug.pipe';
import type { TenantRecord } from '../tenants/tenant.schema';
import { UsageQuery } from './usage.dto';
import { UsageHistoryService } from './usage-history.service';

@ApiTags('workspace')
@ApiBearerAuth()
@Controller('tenants/:slug/workspace/usage')
export class UsageController {
  constructor(private readonly history: UsageHistoryService) {}

  /** The workspace's CPU, memory, network and restarts over a range, with its plan's limits. */
  @Get()
  @Access.tenant('tenant.read')
  usage(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Query() query: UsageQuery): Promise<UsageHistory> {
    return this.history.history(tenant, query.range);
  }
}
