import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ReconcileResult } from '@tessera/contracts';
import { mutation } from '../audit/mutation';
import { Access, CurrentTenant } from '../auth/access.decorator';
import type { TenantDocument } from '../tenants/tenant.schema';
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
  async reconcileTenant(@CurrentTenant() tenant: TenantDocument) {
    const result = await this.reconcile.reconcile(tenant, { wait: true, checkDomains: true });
    return mutation(result, { action: 'tenant.reconcile', target: { type: 'tenant', id: tenant._id.toHexString() }, tenantId: tenant._id.toHexString() });
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
  status(@CurrentTenant() tenant: TenantDocument) {
    return this.workspaces.status(tenant);
  }

  @Post('tenants/:slug/workspace/restart')
  @HttpCode(200)
  @Access.tenant('workspace.manage')
  restart(@CurrentTenant() tenant: TenantDocument) {
    return this.workspaces.restart(tenant);
  }

  @Post('tenants/:slug/workspace/stop')
  @HttpCode(200)
  @Access.tenant('workspace.manage')
  stop(@CurrentTenant() tenant: TenantDocument) {
    return this.workspaces.stop(tenant);
  }
}
