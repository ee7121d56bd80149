import { Module } from '@nestjs/common';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

/** The nodes workspaces run on, for operators: the ContainerNodes port (bound by the IntegrationsModule) behind audited routes. */
@Module({
  controllers: [NodesController],
  providers: [NodesService],
})
export class NodesModule {}
