import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { workspaceNames } from '../../integrations/containers/container-runtime.port';
import { EdgeRouter } from '../../integrations/edge/edge-router.port';
import { ProvisioningStep, type StepContext, type StepResult } from '../provisioning-step';
import { serviceHost } from '../workspace-templates';
import { PlanCatalog } from '../../plans/plan-catalog.service';

/**
 * The tenant's edge routes, one per service of its plan's workspace: to the
 * workspace, to the suspended page, or gone once terminated. The default
 * service answers at `<slug>.<base domain>` and the custom domains, each
 * other one at `<service>--<slug>.<base domain>`.
 */
@Injectable()
export class RouteStep extends ProvisioningStep {
  readonly name = 'route' as const;

  constructor(
    private readonly router: EdgeRouter,
    private readonly config: AppConfig,
    private readonly catalog: PlanCatalog,
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
    const { baseDomain } = this.config;
    // Where each port is reached: as the workspace step found it now, else as it last did, else by the container's name.
    const targets = context.workspaceEndpoints ?? tenant.edgeTargets;
    const ensured = await this.router.ensureRoute({
      slug: tenant.slug,
      services: (await this.catalog.get(tenant.plan)).template.services.map((service) => ({
        name: service.name,
        hosts: service.default ? [serviceHost(service, tenant.slug, baseDomain), ...tenant.domains] : [serviceHost(service, tenant.slug, baseDomain)],
        target: targets[String(service.port)] ?? (service.default ? targets['default'] : undefined) ?? `http://${workspaceNames(tenant.slug).container}:${service.port}`,
      })),
      suspended: tenant.status === 'suspended',
    });
    const drift = firstRun ? [] : ensured.drift;
    // Stored is not served: the step is ok only once every Traefik asked serves the route as wanted.
    if (ensured.notLive?.length) return { state: 'error', handle: ensured.handle, error: `The route is stored but not live: ${ensured.notLive.join('; ')}`, drift };
    return { state: 'ok', handle: ensured.handle, drift };
  }
}
