import { Module } from '@nestjs/common';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';
import { WorkspaceMovesController } from './workspace-moves.controller';
import { WorkspaceMovesService } from './workspace-moves.service';

/**
 * The nodes workspaces run on, for operators: the ContainerNodes port (bound
 * by the IntegrationsModule) behind audited routes, and moving a workspace
 * to another node (through the backups and provisioning, both global).
 */
@Module({
  controllers: [NodesController, WorkspaceMovesController],
  providers: [NodesService, WorkspaceMovesService],
})
export class NodesModule {}
