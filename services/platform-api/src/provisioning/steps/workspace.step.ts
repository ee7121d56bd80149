import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ContainerRuntime } from '../../integrations/containers/container-runtime.port';
import { ProvisioningStep, type StepContext, type StepResult } from '../provisioning-step';
import { WORKSPACE_LIMITS, WORKSPACE_USER } from '../workspace-templates';

/** The tenant's container stack: running while active, stopped (data kept) otherwise; one port per service of its plan. */
@Injectable()
export class WorkspaceStep extends ProvisioningStep {
  readonly name = 'workspace' as const;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async ensure(context: StepContext): Promise<StepResult> {
    const { tenant } = context;
    const firstRun = !tenant.provisioning['workspace']?.handle;
    const ensured = await this.runtime.ensureWorkspace({
      tenantId: tenant.id,
      slug: tenant.slug,
      image: this.config.workspace.image,
      command: this.config.workspace.command,
      env: { TESSERA_TENANT: tenant.slug },
      ports: this.config.workspace.services[tenant.plan].map((service) => service.port),
      user: WORKSPACE_USER,
      ...WORKSPACE_LIMITS[tenant.plan],
      running: (tenant.status === 'active' || tenant.status === 'pending') && !tenant.workspaceStopped,
    });
    context.workspaceEndpoints = Object.fromEntries(Object.entries(ensured.endpoints).map(([port, url]) => [String(port), url]));
    // Creating everything the first time is provisioning, not drift.
    return { state: 'ok', handle: ensured.handle, drift: firstRun ? [] : ensured.drift };
  }
}
