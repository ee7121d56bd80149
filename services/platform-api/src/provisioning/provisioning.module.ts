import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CustomDomains } from '../domains/custom-domains.service';
import { PlanTenants } from '../plans/plan-tenants';
import { TenantProvisioner } from '../tenants/tenant-provisioner';
import { PROVISIONING_STEP_LIST, type ProvisioningStep } from './provisioning-step';
import { PlanReprovisioner } from './plan-reprovisioner';
import { ProvisioningController } from './provisioning.controller';
import { ReconcileService } from './reconcile.service';
import { IdentityStep } from './steps/identity.step';
import { FilesStep, MailStep } from './steps/optional.steps';
import { RouteStep } from './steps/route.step';
import { WorkspaceStep } from './steps/workspace.step';
import { WorkspaceService } from './workspace.service';
import { WorkspaceWatcher } from './workspace-watcher.service';

const STEPS = [IdentityStep, WorkspaceStep, RouteStep, MailStep, FilesStep];

/**
 * Provisioning: the steps, reconcile and the workspace controls. It is the
 * tenants' TenantProvisioner, for every module (global): tenants, domains,
 * the edge and the seed use it without importing it, so provisioning may read
 * tenants while tenants never import provisioning. The adapters come from the
 * IntegrationsModule.
 */
@Global()
@Module({
  imports: [AuditModule],
  controllers: [ProvisioningController],
  providers: [
    ...STEPS,
    { provide: PROVISIONING_STEP_LIST, useFactory: (...steps: ProvisioningStep[]) => steps, inject: STEPS },
    ReconcileService,
    { provide: TenantProvisioner, useExisting: ReconcileService },
    { provide: PlanTenants, useClass: PlanReprovisioner },
    WorkspaceService,
    WorkspaceWatcher,
    CustomDomains,
  ],
  exports: [ReconcileService, TenantProvisioner, PlanTenants, WorkspaceService, WorkspaceStep, CustomDomains],
})
export class ProvisioningModule {}
