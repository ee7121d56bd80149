import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditsItself } from '../audit/audits-itself.decorator';
import type { TenantAccess } from '../auth/access-records';
import { Access, CurrentActor, CurrentTenant, type AuthenticatedRequest } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { LogTailQuery } from './logs.dto';
import { resumePointOf, WorkspaceLogsService } from './workspace-logs.service';

/** A workspace's logs: owners, and operators with approved support access. Streamed, never stored. */
@ApiTags('workspace')
@ApiBearerAuth()
@Controller('tenants/:slug/workspace/logs')
export class WorkspaceLogsController {
  constructor(private readonly logs: WorkspaceLogsService) {}

  @Get()
  @Access.tenant('workspace.logs')
  @AuditsItself()
  @ApiProduces('application/x-ndjson')
  tail(@CurrentActor() actor: Actor, @CurrentTenant() tenant: TenantAccess, @Query() query: LogTailQuery, @Req() request: AuthenticatedRequest, @Res() response: Response) {
    return this.logs.sendTail(actor, tenant, query.tail, String(request.id), response);
  }

  @Get('stream')
  @Access.tenant('workspace.logs')
  @AuditsItself()
  @ApiProduces('text/event-stream')
  stream(
    @CurrentActor() actor: Actor,
    @CurrentTenant() tenant: TenantAccess,
    @Query() query: LogTailQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ) {
    return this.logs.sendStream(actor, tenant, { tail: query.tail, resume: resumePointOf(lastEventId) }, String(request.id), response);
  }
}
