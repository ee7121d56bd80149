import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { PageQuery } from '../common/http/paging.dto';
import { TenantsService } from './tenants.service';

/** The operators' queue of sign-ups waiting for approval (approve and reject are tenant routes). */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller('approvals')
export class ApprovalsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @Access.operator()
  list(@Query() query: PageQuery) {
    return this.tenants.awaitingApproval(query);
  }
}
