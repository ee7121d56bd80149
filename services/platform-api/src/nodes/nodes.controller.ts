import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { NodeActionDto } from './nodes.dto';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  /** The nodes workspaces run on (one engine: itself), with capacity and workspaces. */
  @Get()
  @Access.operator()
  list() {
    return this.nodes.list();
  }

  /** No new workspaces on the node; those there keep running, restarting, sleeping and waking. */
  @Post(':id/cordon')
  @HttpCode(200)
  @Access.operator()
  cordon(@Param('id') id: string, @Body() dto: NodeActionDto) {
    return this.nodes.setAvailability(id, 'cordoned', dto.reason);
  }

  /** Stops every workspace on the node: pinned to their data there, they do not move, and read stopped with the node and reason named (move them first: POST /tenants/:slug/workspace/move). */
  @Post(':id/drain')
  @HttpCode(200)
  @Access.operator()
  drain(@Param('id') id: string, @Body() dto: NodeActionDto) {
    return this.nodes.setAvailability(id, 'drained', dto.reason);
  }

  /** Back to active: takes new workspaces, and a drained node's workspaces start again with their data. */
  @Post(':id/uncordon')
  @HttpCode(200)
  @Access.operator()
  uncordon(@Param('id') id: string, @Body() dto: NodeActionDto) {
    return this.nodes.setAvailability(id, 'active', dto.reason);
  }
}
