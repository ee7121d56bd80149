import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { WorkspaceLogsController } from './workspace-logs.controller';
import { WorkspaceLogsService } from './workspace-logs.service';

/** Workspace logs, read through the container engine and streamed; the engine comes from the IntegrationsModule. */
@Module({
  imports: [AuditModule, AuthModule, UsersModule],
  controllers: [WorkspaceLogsController],
  providers: [WorkspaceLogsService],
  exports: [WorkspaceLogsService],
})
export class LogsModule {}
