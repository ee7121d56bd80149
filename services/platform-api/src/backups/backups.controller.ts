import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, AllowedWhenTerminated, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { ObjectIdPipe } from '../common/http/object-id.pipe';
import { PageQuery } from '../common/http/paging.dto';
import { TenantBySlugPipe } from '../tenants/tenant-by-slug.pipe';
import type { TenantRecord } from '../tenants/tenant.schema';
import { BackupRestoresService } from './backup-restores.service';
import { CreateBackupDto, RestoreBackupDto, RestoreIntoNewTenantDto } from './backups.dto';
import { BackupsService } from './backups.service';

const BACKUP = new ObjectIdPipe('That backup');

@ApiTags('backups')
@ApiBearerAuth()
@Controller('tenants/:slug/backups')
export class BackupsController {
  constructor(
    private readonly backups: BackupsService,
    private readonly restores: BackupRestoresService,
  ) {}

  /** The tenant's backups, newest first, each with its restores. */
  @Get()
  @Access.tenant('tenant.read')
  list(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Query() query: PageQuery) {
    return this.backups.list(tenant, query.page, query.pageSize);
  }

  /** Backs the workspace's data up now (owners and operators); a failure is 503 with restic's reason, recorded as failed. */
  @Post()
  @Access.tenant('backups.manage')
  create(@CurrentActor() actor: Actor, @Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: CreateBackupDto) {
    return this.backups.backUpNow(actor, tenant, dto.reason);
  }

  /** Replaces the workspace's data with the backup's, after a backup of the current data; proven by the restore drill. */
  @Post(':id/restore')
  @HttpCode(200)
  @Access.tenant('backups.manage')
  restore(@CurrentActor() actor: Actor, @Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Param('id', BACKUP) id: string, @Body() dto: RestoreBackupDto) {
    return this.restores.restoreInPlace(actor, tenant, id, dto);
  }

  /** Restores the backup into a new tenant (operators): the source is not changed, so a terminated tenant's backups can be restored too. */
  @Post(':id/restore-new-tenant')
  @HttpCode(201)
  @Access.operatorOnTenant()
  @AllowedWhenTerminated('restores one of its backups into a new tenant; the terminated tenant itself is not changed')
  restoreIntoNewTenant(@CurrentActor() actor: Actor, @Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Param('id', BACKUP) id: string, @Body() dto: RestoreIntoNewTenantDto) {
    return this.restores.restoreIntoNewTenant(actor, tenant, id, dto);
  }
}
