import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor, CurrentTenant } from '../auth/access.decorator';
import type { TenantAccess } from '../auth/access-records';
import type { Actor } from '../auth/actor';
import { ObjectIdPipe } from '../common/http/object-id.pipe';
import { PageQuery } from '../common/http/paging.dto';
import { IncidentActionDto, ListIncidentsQuery, ResolveIncidentDto } from './incidents.dto';
import { IncidentsService } from './incidents.service';

const INCIDENT = new ObjectIdPipe('That incident');

@ApiTags('incidents')
@ApiBearerAuth()
@Controller()
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  /** Open incidents first, then past ones, newest first. */
  @Get('incidents')
  @Access.operator()
  list(@Query() query: ListIncidentsQuery) {
    return this.incidents.list({ state: query.state, tenant: query.tenant }, query.page, query.pageSize);
  }

  @Get('incidents/:id')
  @Access.operator()
  get(@Param('id', INCIDENT) id: string) {
    return this.incidents.get(id);
  }

  @Post('incidents/:id/acknowledge')
  @HttpCode(200)
  @Access.operator()
  acknowledge(@CurrentActor() actor: Actor, @Param('id', INCIDENT) id: string) {
    return this.incidents.acknowledge(actor, id);
  }

  @Post('incidents/:id/resolve')
  @HttpCode(200)
  @Access.operator()
  resolve(@CurrentActor() actor: Actor, @Param('id', INCIDENT) id: string, @Body() dto: ResolveIncidentDto) {
    return this.incidents.resolve(actor, id, dto.note);
  }

  /** Reconcile the tenant, or restart its workspace, for a tenant's open incident. */
  @Post('incidents/:id/actions')
  @HttpCode(200)
  @Access.operator()
  act(@CurrentActor() actor: Actor, @Param('id', INCIDENT) id: string, @Body() dto: IncidentActionDto) {
    return this.incidents.act(actor, id, dto.action);
  }

  /** A tenant's incidents, with their timelines: its people read what happened to it (read-only). */
  @Get('tenants/:slug/incidents')
  @Access.tenant('tenant.read')
  listForTenant(@CurrentActor() actor: Actor, @CurrentTenant() tenant: TenantAccess, @Query() query: PageQuery) {
    return this.incidents.listForTenant(actor, tenant, query.page, query.pageSize);
  }
}
