import { Global, Module } from '@nestjs/common';
import { TenantBackups } from '../tenants/tenant-backups';
import { TenantsModule } from '../tenants/tenants.module';
import { BackupRestoresService } from './backup-restores.service';
import { BackupScheduler } from './backup-scheduler.service';
import { BackupsController } from './backups.controller';
import { BackupsService } from './backups.service';

/**
 * Tenant backups: the routes, the schedule and restores. Global, because it
 * binds the tenants' TenantBackups port (a backup before terminate and plan
 * changes) and provisioning's reprovisioning reads it; their data lives in
 * the BackupsRepository.
 */
@Global()
@Module({
  imports: [TenantsModule],
  controllers: [BackupsController],
  providers: [BackupsService, BackupRestoresService, BackupScheduler, { provide: TenantBackups, useExisting: BackupsService }],
  exports: [BackupsService, BackupRestoresService, TenantBackups, BackupScheduler],
})
export class BackupsModule {}
