import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { IntegrationError } from '../integration-error';
import { EdgeRouter, type RouteSource, type RouteDocument, type RouteEnsured, type RouteSpec } from './edge-router.port';
import type { EdgeRoutesRepository } from './edge-routes.repository';
import { dynamicConfiguration, HTTP_PROVIDER, routeProblems, routerNames, tenantConfiguration, type EdgeSettings, type LiveRouter } from './traefik-routes';

const gzip = promisify(gzipCallback);

/** The platform's Clock (common/clock.ts), as this adapter uses it. */
export interface EdgeTime {
  now(): Date;
  /** Measures and bounds real waits; never moved by a test. */
  monotonic(): number;
}

export interface TraefikHttpOptions {
  edge: EdgeSettings;
  /** Each Traefik's API (`--api`, on an internal entry point): where reconcile checks that a route is live. Empty: not checked. */
  traefikApiUrls: string[];
  /** How long a changed route may take to go live on every Traefik before the step says it is not (0: asked once). */
  liveWaitMs: number;
  /** How long a rendered document is served before the version in the database is read again: the staleness bound across processes. */
  versionCheckMs: number;
}

/** How often a changed route's liveness is asked again while it propagates. */
const LIVE_POLL_MS = 250;
const TRAEFIK_API_TIMEOUT_MS = 2_000;

/**
 * EdgeRouter on Traefik's HTTP provider: the routes are rows in the database
 * (EdgeRoutesRepository), and every API process serves the whole dynamic
 * configuration from them at GET /edge/routes, so any number of Traefik
 * instances poll any API process and serve identical routes; a Traefik
 * restarted or added reads every route at its first poll. Chosen over
 * Traefik's Redis provider by measurement (docs/benchmarks.md, bench/routes):
 * at 5,000 tenants a change reached 2 Traefiks in 4.5 s (p50) against 28 s,
 * at a fifth of Traefik's CPU, with no extra server to run.
 *
 * The document is rendered once per change of the set and kept as bytes
 * (plain and gzip: Traefik asks for gzip). Each process learns of a change
 * made by another through one small row, the set's version, read at most once
 * every `versionCheckMs` (and at once after a change made here). When the
 * routes cannot be read, it answers an error, never a partial or empty
 * document: Traefik then keeps the routes it has.
 */
export class TraefikHttpEdgeRouter extends EdgeRouter implements RouteSource {
  private cached: (RouteDocument & { version: string }) | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  /** Moves on every change made here: a refresh that began before it does not count as a check. */
  private generation = 0;
  private refreshing: Promise<RouteDocument> | null = null;

  constructor(
    private readonly options: TraefikHttpOptions,
    private readonly store: EdgeRoutesRepository,
    private readonly clock: EdgeTime,
  ) {
    super();
  }

  async ensureRoute(spec: RouteSpec): Promise<RouteEnsured> {
    const current = await this.stored(spec.slug);
    const changed = !current || JSON.stringify(current) !== JSON.stringify(normalized(spec));
    if (changed) {
      await this.write(() => this.store.save(spec, this.clock.now()));
    }
    const notLive = await this.untilLive(spec, changed);
    return { handle: `edge_routes/${spec.slug}`, drift: changed ? [current ? 'route changed' : 'route missing'] : [], notLive };
  }

  /** Removes the route from the store and waits (as long as a change may take) until no Traefik asked still serves it. */
  async removeRoute(slug: string): Promise<boolean> {
    const current = await this.stored(slug);
    const removed = await this.write(() => this.store.remove(slug, this.clock.now()));
    if (current) {
      const stillLive = await this.untilGone(current, removed);
      if (stillLive.length > 0) throw new IntegrationError('edge', 'unavailable', `The route of ${slug} is removed from the route store, but ${stillLive.join('; ')}`);
    }
    return removed;
  }

  /** The database answers (the document can be rendered) and every Traefik API configured answers. */
  async ping(): Promise<void> {
    await this.document();
    for (const api of this.options.traefikApiUrls) {
      const status = await fetch(new URL('/api/version', api), { signal: AbortSignal.timeout(TRAEFIK_API_TIMEOUT_MS) }).then(
        async (response) => (await response.body?.cancel(), response.status),
        () => null,
      );
      if (status !== 200) throw new IntegrationError('edge', 'unavailable', status === null ? `Traefik's API does not answer at ${hostOf(api)}` : `Traefik's API answered ${status} at ${hostOf(api)}`);
    }
  }

  async readRoute(slug: string): Promise<string | null> {
    const spec = await this.stored(slug);
    return spec ? JSON.stringify(tenantConfiguration(spec, this.options.edge), null, 2) : null;
  }

  async document(): Promise<RouteDocument> {
    if (this.cached && this.clock.monotonic() - this.checkedAt < this.options.versionCheckMs) return this.cached;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /**
   * Reads the set's version, then (when it moved) every route: a route stored
   * before its version was written is in the document, one stored after it
   * moves the version again.
   */
  private async refresh(): Promise<RouteDocument> {
    const [startedAt, generation] = [this.clock.monotonic(), this.generation];
    const version = await this.read(() => this.store.version());
    if (version === null) throw new IntegrationError('edge', 'unavailable', 'No route was ever stored in this database: Traefik keeps the routes it has until one is');
    if (this.cached?.version !== version) {
      const specs = await this.read(() => this.store.all());
      const body = Buffer.from(JSON.stringify(dynamicConfiguration(specs, this.options.edge)));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      this.cached = { version, body, gzip: await gzip(body), etag, routes: specs.length };
    }
    if (generation === this.generation) this.checkedAt = startedAt;
    return this.cached;
  }

  private async stored(slug: string): Promise<RouteSpec | null> {
    const spec = await this.read(() => this.store.find(slug));
    return spec ? normalized(spec) : null;
  }

  private async write<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error: unknown) {
      throw new IntegrationError('edge', 'unavailable', `Could not store the route: ${String(error)}`, { cause: error });
    } finally {
      // This process's next poll reads the version again, whatever happened.
      this.generation += 1;
      this.checkedAt = Number.NEGATIVE_INFINITY;
    }
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error: unknown) {
      throw new IntegrationError('edge', 'unavailable', `Could not read the routes from the database: ${String(error)}`, { cause: error });
    }
  }

  /**
   * Asks every Traefik's API for each of the tenant's routers until all are
   * live as wanted; a route that just changed gets `liveWaitMs` to propagate
   * (a poll, Traefik's throttle, its rebuild), one that did not is asked
   * once. A Traefik that does not answer is not waited for.
   */
  private async untilLive(spec: RouteSpec, changed: boolean): Promise<string[]> {
    return this.poll(changed, async (api) => {
      const problems: string[] = [];
      for (const name of routerNames(spec)) {
        const router = await this.router(api, name);
        if (router === 'unreachable') return { problems: [`Traefik's API does not answer at ${hostOf(api)}`], final: true };
        problems.push(...routeProblems(router, name, spec, this.options.edge));
      }
      return { problems: problems.map((problem) => `on the Traefik at ${hostOf(api)}, ${problem}`), final: false };
    });
  }

  private async untilGone(spec: RouteSpec, changed: boolean): Promise<string[]> {
    return this.poll(changed, async (api) => {
      for (const name of routerNames(spec)) {
        const router = await this.router(api, name);
        if (router === 'unreachable') return { problems: [`Traefik's API does not answer at ${hostOf(api)}`], final: true };
        if (router !== null) return { problems: [`the Traefik at ${hostOf(api)} still serves ${name}`], final: false };
      }
      return { problems: [], final: false };
    });
  }

  private async poll(wait: boolean, check: (api: string) => Promise<{ problems: string[]; final: boolean }>): Promise<string[]> {
    const deadline = this.clock.monotonic() + (wait ? this.options.liveWaitMs : 0);
    let pending = [...this.options.traefikApiUrls];
    const settled: string[] = [];
    for (;;) {
      const results = await Promise.all(pending.map(async (api) => ({ api, ...(await check(api)) })));
      settled.push(...results.filter((result) => result.final).flatMap((result) => result.problems));
      const open = results.filter((result) => !result.final && result.problems.length > 0);
      if (open.length === 0 || this.clock.monotonic() >= deadline) return [...settled, ...open.flatMap((result) => result.problems)];
      pending = open.map((result) => result.api);
      await new Promise((resolve) => setTimeout(resolve, LIVE_POLL_MS));
    }
  }

  /** The router as Traefik built it, null when it does not know it, 'unreachable' when its API does not answer. */
  private async router(api: string, name: string): Promise<LiveRouter | null | 'unreachable'> {
    try {
      const response = await fetch(new URL(`/api/http/routers/${encodeURIComponent(`${name}@${HTTP_PROVIDER}`)}`, api), { signal: AbortSignal.timeout(TRAEFIK_API_TIMEOUT_MS) });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return 'unreachable';
      }
      return (await response.json()) as LiveRouter;
    } catch {
      return 'unreachable';
    }
  }
}

/** The same route always compares the same: only the fields the document is made of, in one order. */
function normalized(spec: RouteSpec): RouteSpec {
  return { slug: spec.slug, services: spec.services.map(({ name, hosts, target }) => ({ name, hosts: [...hosts], target })), suspended: spec.suspended };
}

/** The host only: an address could carry credentials, which must not show on a page. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid address';
  }
}
