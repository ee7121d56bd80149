import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EdgeRouter, type RouteEnsured, type RouteSpec } from './edge-router.port';
import { forwardAuthMiddleware, tenantConfiguration } from './traefik-routes';
import { IntegrationError } from '../integration-error';

/**
 * EdgeRouter on Traefik's file provider: one YAML file per tenant in the
 * dynamic directory Traefik watches, written atomically (temp file, rename),
 * so Traefik never reads half a file.
 */
export interface TraefikFileOptions {
  /** The dynamic directory Traefik's file provider watches. */
  dynamicDir: string;
  /** Traefik's ping address (`--ping`), asked by the health probe; null: only the directory is checked. */
  pingUrl?: string | null;
  /** Where Traefik asks the API about each request (GET /edge/auth). */
  forwardAuthUrl: string;
  /** The certificate resolver for the routers; null: no TLS block. */
  tlsResolver: string | null;
  suspendedPageUrl: string;
}

export class TraefikFileEdgeRouter extends EdgeRouter {
  constructor(private readonly options: TraefikFileOptions) {
    super();
  }

  async ensureRoute(spec: RouteSpec): Promise<RouteEnsured> {
    const path = this.pathOf(spec.slug);
    const wanted = this.render(spec);
    const current = await this.readRoute(spec.slug);
    if (current === wanted) return { handle: path, drift: [] };
    await this.writeAtomically(path, wanted);
    return { handle: path, drift: [current === null ? 'route file missing' : 'route file changed'] };
  }

  async removeRoute(slug: string): Promise<boolean> {
    const existed = (await this.readRoute(slug)) !== null;
    await rm(this.pathOf(slug), { force: true });
    return existed;
  }

  /**
   * The edge answers (Traefik's ping, when its address is known) and its
   * dynamic directory takes a file (written and removed again): a writable
   * directory with no Traefik reading it routes nothing.
   */
  async ping(): Promise<void> {
    const probe = join(this.dynamicDir(), `.health-${randomBytes(4).toString('hex')}.tmp`);
    await mkdir(this.dynamicDir(), { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    const pingUrl = this.options.pingUrl;
    if (!pingUrl) return;
    const answer = await fetch(pingUrl, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => (await response.body?.cancel(), response.status),
      () => null,
    );
    // The host only: a ping address could carry credentials, which must not show on the console.
    const where = new URL(pingUrl).host;
    if (answer !== 200) throw new IntegrationError('edge', 'unavailable', answer === null ? `Traefik does not answer at ${where}` : `Traefik answered ${answer} at ${where}`);
  }

  async readRoute(slug: string): Promise<string | null> {
    try {
      return await readFile(this.pathOf(slug), 'utf8');
    } catch (error: unknown) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw new IntegrationError('edge', 'unavailable', `Could not read the route of ${slug}: ${String(error)}`);
    }
  }

  /**
   * The dynamic configuration of one tenant: its routers and services as the
   * HTTP provider's document has them (traefik-routes.ts: a router and a
   * service per workspace service, names no two tenants can share; while
   * suspended, every router goes to the suspended page), and a forwardAuth
   * middleware of its own, `tenant-<slug>-auth`, so that each file stands
   * alone.
   */
  render(spec: RouteSpec): string {
    const { forwardAuthUrl, tlsResolver, suspendedPageUrl } = this.options;
    const middleware = `tenant-${spec.slug}-auth`;
    const { routers, services } = tenantConfiguration(spec, { forwardAuthUrl, suspendedPageUrl, tlsResolver, readinessHost: null });
    for (const router of Object.values(routers)) router.middlewares = router.middlewares.length > 0 ? [middleware] : [];
    const document = { http: { routers, services, ...(spec.suspended ? {} : { middlewares: { [middleware]: forwardAuthMiddleware(forwardAuthUrl) } }) } };
    return `# Written by Tessera platform-api for tenant ${spec.slug}; changes are overwritten.\n${stringify(document)}`;
  }

  private pathOf(slug: string): string {
    return join(this.dynamicDir(), `tenant-${slug}.yml`);
  }

  private dynamicDir(): string {
    return this.options.dynamicDir;
  }

  private async writeAtomically(path: string, content: string): Promise<void> {
    try {
      await mkdir(this.dynamicDir(), { recursive: true });
      const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, content, { mode: 0o644 });
      await rename(temp, path);
    } catch (error: unknown) {
      throw new IntegrationError('edge', 'unavailable', `Could not write ${path}: ${String(error)}`);
    }
  }
}
