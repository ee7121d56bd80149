import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { PageQuery } from '../common/http/paging.dto';
import { PlatformBackupSchedule } from './platform-backup-schedule.service';

/** The platform database's backups: the record of every run and the schedule; an operator starts one now. */
@ApiTags('platform-backups')
@ApiBearerAuth()
@Controller('system/platform-backups')
export class PlatformBackupsController {
  constructor(private readonly schedule: PlatformBackupSchedule) {}

  @Get()
  @Access.operator()
  list(@Query() query: PageQuery) {
    return this.schedule.overview(query.page, query.pageSize);
  }

  /** Takes a backup now and answers its record (succeeded or failed); 409 while another one runs. */
  @Post()
  @HttpCode(201)
  @Access.operator()
  start(@CurrentActor() actor: Actor) {
    return this.schedule.start(actor);
  }
}
