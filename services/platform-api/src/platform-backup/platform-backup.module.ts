import { Module } from '@nestjs/common';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { PlatformBackupRunSchema } from './platform-backup-run.schema';
import { PLATFORM_BACKUP_RUN_MODEL, PlatformBackupRunsRepository } from './platform-backup-runs.repository';
import { PlatformBackupSchedule } from './platform-backup-schedule.service';
import { PlatformDatabaseRepository } from './platform-backup.repository';
import { PlatformBackupService } from './platform-backup.service';
import { PlatformBackupsController } from './platform-backups.controller';

/** Platform database backups inside the API: the schedule, the record of runs, and the operators' routes. */
@Module({
  imports: [MongooseModule.forFeature([{ name: PLATFORM_BACKUP_RUN_MODEL, schema: PlatformBackupRunSchema }])],
  controllers: [PlatformBackupsController],
  providers: [
    PlatformBackupRunsRepository,
    PlatformBackupSchedule,
    {
      provide: PlatformBackupService,
      inject: [getConnectionToken(), AppConfig, Clock],
      useFactory: (connection: Connection, config: AppConfig, clock: Clock) =>
        new PlatformBackupService(new PlatformDatabaseRepository(connection.db!), { dir: config.platformBackup.dir, keep: config.platformBackup.keep }, () => clock.now()),
    },
  ],
  exports: [PlatformBackupSchedule],
})
export class PlatformBackupModule {}
