import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EdgeActivity } from './edge-activity';
import { EdgeController } from './edge.controller';
import { EdgeRoutesController } from './edge-routes.controller';
import { EdgeService } from './edge.service';
import { WorkspaceSleep } from './workspace-sleep.service';

/** Traefik's forwardAuth endpoint, its route source (GET /edge/routes), edge sessions, last activity, idle sleep and wake. */
@Module({
  imports: [AuthModule, AuditModule],
  controllers: [EdgeController, EdgeRoutesController],
  providers: [EdgeService, EdgeActivity, WorkspaceSleep],
  exports: [WorkspaceSleep],
})
export class EdgeModule {}
