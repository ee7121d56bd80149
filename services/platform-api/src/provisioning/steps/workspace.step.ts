import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ContainerRuntime, type WorkspaceSpec } from '../../integrations/containers/container-runtime.port';
import type { TenantRecord } from '../../tenants/tenant.schema';
import { ProvisioningStep, type StepContext, type StepResult } from '../provisioning-step';
import { PlanCatalog } from '../../plans/plan-catalog.service';
import { WORKSPACE_USER } from '../workspace-templates';

/** The tenant's container stack: running while active, stopped (data kept) otherwise; image, command, ports and limits from its plan in the catalogue. */
@Injectable()
export class WorkspaceStep extends ProvisioningStep {
  readonly name = 'workspace' as const;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly catalog: PlanCatalog,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async ensure(context: StepContext): Promise<StepResult> {
    const { tenant } = context;
    const spec = await this.specOf(tenant);
    const ensured = await this.runtime.ensureWorkspace(spec);
    context.workspaceEndpoints = Object.fromEntries(Object.entries(ensured.endpoints).map(([port, url]) => [String(port), url]));
    // Creating everything the first time is provisioning, not drift.
    return { state: 'ok', handle: ensured.handle, drift: spec.handle ? ensured.drift : [] };
  }

  /** The workspace the tenant should have now, from its plan and status (a move reuses it, with the node to move to). */
  async specOf(tenant: TenantRecord): Promise<WorkspaceSpec> {
    const { template, limits } = await this.catalog.get(tenant.plan);
    return {
      tenantId: tenant.id,
      slug: tenant.slug,
      image: template.image,
      command: template.command,
      env: { TESSERA_TENANT: tenant.slug },
      ports: template.services.map((service) => service.port),
      user: WORKSPACE_USER,
      cpus: limits.cpus,
      memoryMb: limits.memoryMb,
      pids: limits.pids,
      running: (tenant.status === 'active' || tenant.status === 'pending') && !tenant.workspaceStopped,
      placement: this.config.workspace.placement[tenant.plan] ?? [],
      handle: tenant.provisioning['workspace']?.handle ?? null,
    };
  }
}
