/**
 * Where a tenant's workspace answers: `<slug>.<base domain>`, or
 * `<service>--<slug>.<base domain>` for another of its services, through the
 * edge. In production the edge listens on 443 (https); scripts/dev.sh runs it
 * on a local port over http (NUXT_PUBLIC_WORKSPACE_SCHEME, NUXT_PUBLIC_WORKSPACE_PORT).
 */
export function workspaceAddress(slug: string, service?: string): string {
  const { baseDomain, workspaceScheme, workspacePort } = useRuntimeConfig().public;
  const host = `${service ? `${service}--` : ''}${slug}.${baseDomain}`;
  return `${workspaceScheme}://${host}${workspacePort ? `:${workspacePort}` : ''}/`;
}
