import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { workspaceNames } from '../../integrations/containers/container-runtime.port';
import { EdgeRouter } from '../../integrations/edge/edge-router.port';
import { ProvisioningStep, type StepContext, type StepResult } from '../provisioning-step';

/** The tenant's edge route: to the workspace, to the suspended page, or gone once terminated. */
@Injectable()
export class RouteStep extends ProvisioningStep {
  readonly name = 'route' as const;

  constructor(
    private readonly router: EdgeRouter,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async ensure(context: StepContext): Promise<StepResult> {
    const { tenant } = context;
    if (tenant.status === 'terminated') {
      await this.router.removeRoute(tenant.slug);
      return { state: 'ok', drift: [] };
    }
    const firstRun = !tenant.provisioning['route']?.handle;
    const ensured = await this.router.ensureRoute({
      slug: tenant.slug,
      hosts: [`${tenant.slug}.${this.config.baseDomain}`, ...tenant.domains],
      target: context.workspaceEndpoint ?? tenant.edgeTarget ?? `http://${workspaceNames(tenant.slug).container}:${this.config.workspace.port}`,
      suspended: tenant.status === 'suspended',
    });
    return { state: 'ok', handle: ensured.handle, drift: firstRun ? [] : ensured.drift };
  }
}
