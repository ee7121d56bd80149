import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ReconcileResult } from '@tessera/contracts';
import { mutation } from '../audit/mutation';
import { Access, AllowedWhenTerminated } from '../auth/access.decorator';
import { TenantBySlugPipe } from '../tenants/tenant-by-slug.pipe';
import { LifecycleDto } from '../tenants/tenant.dto';
import type { TenantRecord } from '../tenants/tenant.schema';
import { ReconcileService } from './reconcile.service';
import { WorkspaceService } from './workspace.service';

@ApiTags('provisioning')
@ApiBearerAuth()
@Controller()
export class ProvisioningController {
  constructor(
    private readonly reconcile: ReconcileService,
    private readonly workspaces: WorkspaceService,
  ) {}

  @Post('tenants/:slug/reconcile')
  @HttpCode(200)
  @Access.tenant('tenant.reconcile', { orMachine: true })
  @AllowedWhenTerminated('converges a terminated tenant on its end state: no workspace running, no route; it changes nothing stored about the tenant')
  async reconcileTenant(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    const result = await this.reconcile.reconcile(tenant, { wait: true, checkDomains: true });
    return mutation(result, { action: 'tenant.reconcile', target: { type: 'tenant', id: tenant.id }, tenantId: tenant.id });
  }

  @Post('reconcile')
  @HttpCode(200)
  @Access.machine({ orOperator: true })
  async reconcileAll() {
    const results: ReconcileResult[] = await this.reconcile.reconcileAll();
    return mutation({ results }, { action: 'platform.reconcile', target: { type: 'platform', id: null } });
  }

  @Get('tenants/:slug/workspace')
  @Access.tenant('tenant.read')
  status(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.workspaces.status(tenant);
  }

  @Post('tenants/:slug/workspace/start')
  @HttpCode(200)
  @Access.tenant('workspace.manage')
  start(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.workspaces.start(tenant);
  }

  @Post('tenants/:slug/workspace/restart')
  @HttpCode(200)
  @Access.tenant('workspace.manage')
  restart(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.workspaces.restart(tenant);
  }

  @Post('tenants/:slug/workspace/repair')
  @HttpCode(200)
  @Access.operatorOnTenant()
  repair(@Param('slug', TenantBySlugPipe) tenant: TenantRecord, @Body() dto: LifecycleDto) {
    return this.workspaces.repair(tenant, dto.reason);
  }

  @Post('tenants/:slug/workspace/stop')
  @HttpCode(200)
  @Access.tenant('workspace.manage')
  stop(@Param('slug', TenantBySlugPipe) tenant: TenantRecord) {
    return this.workspaces.stop(tenant);
  }
}
