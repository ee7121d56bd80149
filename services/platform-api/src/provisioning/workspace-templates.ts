import { SERVICE_HOST_SEPARATOR, type Plan, type WorkspaceService } from '@tessera/contracts';

/** Resources of a tenant's workspace container, by plan. */
export const WORKSPACE_LIMITS: Record<Plan, { cpus: number; memoryMb: number; pids: number }> = {
  free: { cpus: 0.25, memoryMb: 64, pids: 64 },
  starter: { cpus: 0.5, memoryMb: 128, pids: 128 },
  business: { cpus: 1, memoryMb: 256, pids: 256 },
  enterprise: { cpus: 2, memoryMb: 512, pids: 512 },
};

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
