import { SERVICE_HOST_SEPARATOR, type WorkspaceService } from '@tessera/contracts';

/* A plan's limits, image, command and services are in the plan catalogue (plans/). */

/** The unprivileged user workspaces run as (nobody:nogroup). */
export const WORKSPACE_USER = '65534:65534';

/**
 * The host a workspace service answers at: the default service at
 * `<slug>.<base domain>` (and the tenant's custom domains), any other at
 * `<service>--<slug>.<base domain>`. Slugs and service names never hold `--`,
 * so the host names one service of one tenant.
 */
export function serviceHost(service: Pick<WorkspaceService, 'name' | 'default'>, slug: string, baseDomain: string): string {
  return service.default ? `${slug}.${baseDomain}` : `${service.name}${SERVICE_HOST_SEPARATOR}${slug}.${baseDomain}`;
}
