import { Module } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { PlatformBackupSchedule } from './platform-backup-schedule.service';
import { PlatformDatabaseRepository } from './platform-backup.repository';
import { PlatformBackupService } from './platform-backup.service';
import { PlatformBackupsController } from './platform-backups.controller';

/** Platform database backups inside the API: the schedule, the record of runs, and the operators' routes. */
@Module({
  controllers: [PlatformBackupsController],
  providers: [
    PlatformBackupSchedule,
    {
      provide: PlatformBackupService,
      inject: [PlatformDatabaseRepository, AppConfig, Clock],
      useFactory: (database: PlatformDatabaseRepository, config: AppConfig, clock: Clock) =>
        new PlatformBackupService(database, { dir: config.platformBackup.dir, keep: config.platformBackup.keep }, () => clock.now()),
    },
  ],
  exports: [PlatformBackupSchedule],
})
export class PlatformBackupModule {}
