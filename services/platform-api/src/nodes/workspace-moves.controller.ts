import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { TenantBySlugPipe } from '../tenants/tenant-by-slug.pipe';
import type { TenantRecord } from '../tenants/tenant.schema';
import { MoveWorkspaceDto } from './nodes.dto';
import { WorkspaceMovesService } from './workspace-moves.service';

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('tenants/:slug/workspace/move')
export class WorkspaceMovesController {
  constructor(private readonly moves: WorkspaceMovesService) {}

  /** The nodes the workspace could be moved to, each eligible or why not (operators). */
  @Get()
  @Access.operatorOnTenant()
  targets(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.moves.targets(tenant);
  }

  /** Moves the workspace and its data to another node of the Swarm: stopped, backed up, restored there (checked), started there. */
  @Post()
  @HttpCode(200)
  @Access.operatorOnTenant()
  move(@CurrentActor() actor: Actor, @Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: MoveWorkspaceDto) {
    return this.moves.move(actor, tenant, dto.node, dto.reason);
  }
}
