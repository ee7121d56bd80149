import type { RouteSpec } from './edge-router.port';

/**
 * The routes of Tessera's tenants as Traefik reads them from one shared
 * source (its HTTP provider, served by the API from the database): pure
 * shapes, no I/O. Ported from bench/routes/traefik-routes.mjs, where they were
 * measured with 2 Traefik instances at 1,000 and 5,000 tenants
 * (docs/benchmarks.md, "One route source for several Traefiks").
 *
 * The per-tenant shape (a router and a service per workspace service; a
 * suspended tenant's routers go to the suspended page) is also what the file
 * adapter writes in each tenant's file (there with a forwardAuth middleware
 * of the file's own, so that each file stands alone):
 * - the suspended page's service ends in `_suspended`, not `-suspended`: a
 *   slug may end in `-suspended`, but never holds `_`, so no two tenants can
 *   share an object name;
 * - here every router names one forwardAuth middleware shared by all tenants
 *   (`tessera-auth`): it is the same for every tenant (the API reads the
 *   tenant from the forwarded host), and one instead of one per tenant halves
 *   the document Traefik decodes on every change (measured: −27 % of
 *   Traefik's CPU per change at 5,000 tenants).
 */
export interface EdgeSettings {
  /** The API's /edge/auth. */
  forwardAuthUrl: string;
  suspendedPageUrl: string;
  /** A certificate resolver, when Traefik terminates TLS. */
  tlsResolver: string | null;
  /** A host that answers 200 once a Traefik has read this source (readinessConfiguration); null: none. */
  readinessHost: string | null;
}

/** The provider name Traefik appends to the objects it read from the API: `<name>@http`. */
export const HTTP_PROVIDER = 'http';

/** The entry point the tenants' routers are served on. */
export const TENANT_ENTRY_POINT = 'websecure';

/** The router that says a Traefik has read the route source, and the forwardAuth middleware every tenant shares. */
export const READINESS_ROUTER = 'tessera-routes-loaded';
export const SHARED_AUTH_MIDDLEWARE = 'tessera-auth';

/** Headers the API's answer replaces on the request (forwardAuthMiddleware says why). */
export const AUTH_RESPONSE_HEADERS = ['X-Tessera-User', 'X-Tessera-Email', 'X-Tessera-Role', 'X-Tessera-Tenant', 'Cookie'] as const;

/**
 * The most of the API's answer Traefik's forwardAuth reads: the API answers
 * with small pages (edge-pages.ts); without a limit Traefik buffers any size
 * and warns so once per router on every configuration it applies.
 */
export const FORWARD_AUTH_MAX_RESPONSE_BYTES = 65_536;

interface Router {
  rule: string;
  service: string;
  middlewares: string[];
  entryPoints: string[];
  tls?: { certResolver: string };
}

interface Service {
  loadBalancer: { servers: Array<{ url: string }>; passHostHeader?: boolean };
}

export interface Middleware {
  forwardAuth: { address: string; trustForwardHeader: boolean; authResponseHeaders: string[]; maxResponseBodySize: number };
}

/** Traefik's dynamic configuration (the part Tessera writes). */
export interface HttpConfiguration {
  routers: Record<string, Router>;
  services: Record<string, Service>;
  middlewares: Record<string, Middleware>;
}

/** `tenant-<slug>` for the default (first) service, `tenant-<slug>--<service>` for the others: slugs never hold `--`. */
export function routerNames(spec: Pick<RouteSpec, 'slug' | 'services'>): string[] {
  return spec.services.map((service, index) => (index === 0 ? `tenant-${spec.slug}` : `tenant-${spec.slug}--${service.name}`));
}

const suspendedService = (slug: string) => `tenant-${slug}_suspended`;

/** One tenant's routers and services, each keyed by name. */
export function tenantConfiguration(spec: RouteSpec, edge: EdgeSettings): Omit<HttpConfiguration, 'middlewares'> {
  const names = routerNames(spec);
  const routers: Record<string, Router> = {};
  const services: Record<string, Service> = {};
  spec.services.forEach((service, index) => {
    const name = names[index]!;
    routers[name] = {
      rule: service.hosts.map((host) => `Host(\`${host}\`)`).join(' || '),
      service: spec.suspended ? suspendedService(spec.slug) : name,
      middlewares: spec.suspended ? [] : [SHARED_AUTH_MIDDLEWARE],
      entryPoints: [TENANT_ENTRY_POINT],
      ...(edge.tlsResolver ? { tls: { certResolver: edge.tlsResolver } } : {}),
    };
    if (!spec.suspended) services[name] = { loadBalancer: { servers: [{ url: service.target }] } };
  });
  if (spec.suspended) services[suspendedService(spec.slug)] = { loadBalancer: { servers: [{ url: edge.suspendedPageUrl }], passHostHeader: false } };
  return { routers, services };
}

/**
 * What the source holds besides the tenants' own objects: the forwardAuth
 * middleware every tenant's router names and, with a readiness host, a router
 * for it to Traefik's own ping service (`ping@internal`, there with --ping).
 * Traefik answers /ping as soon as it listens, before it has read any route
 * (measured), so a load balancer that checks /ping would send requests to a
 * Traefik answering 404 for every tenant. Checking this host on the tenants'
 * entry point answers 200 only once the document was read: it arrives in the
 * same document as every route.
 */
export function sharedConfiguration(edge: EdgeSettings): Pick<HttpConfiguration, 'routers' | 'middlewares'> {
  return {
    routers: edge.readinessHost ? { [READINESS_ROUTER]: { rule: `Host(\`${edge.readinessHost}\`)`, service: 'ping@internal', middlewares: [], entryPoints: [TENANT_ENTRY_POINT] } } : {},
    middlewares: { [SHARED_AUTH_MIDDLEWARE]: forwardAuthMiddleware(edge.forwardAuthUrl) },
  };
}

/**
 * The forwardAuth middleware in front of every workspace. The X-Forwarded-*
 * headers the API reads are Traefik's own, never the client's
 * (trustForwardHeader false); the listed headers are removed from the request
 * and replaced with the API's answer, so a client cannot set an identity and
 * the workspace never sees the edge session cookie.
 */
export function forwardAuthMiddleware(forwardAuthUrl: string): Middleware {
  return { forwardAuth: { address: forwardAuthUrl, trustForwardHeader: false, authResponseHeaders: [...AUTH_RESPONSE_HEADERS], maxResponseBodySize: FORWARD_AUTH_MAX_RESPONSE_BYTES } };
}

/**
 * The whole dynamic configuration for Traefik's HTTP provider, tenants sorted
 * by slug so the same routes always give the same bytes. Traefik replaces
 * everything it had from this provider with each document it reads, so the
 * document must always hold every route: never serve a partial or empty one
 * (answer an error instead; Traefik then keeps what it has).
 */
export function dynamicConfiguration(specs: Iterable<RouteSpec>, edge: EdgeSettings): { http: HttpConfiguration } {
  const shared = sharedConfiguration(edge);
  const http: HttpConfiguration = { routers: { ...shared.routers }, services: {}, middlewares: { ...shared.middlewares } };
  for (const spec of [...specs].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))) {
    const part = tenantConfiguration(spec, edge);
    Object.assign(http.routers, part.routers);
    Object.assign(http.services, part.services);
  }
  return { http };
}

/** A router as Traefik's API answers GET /api/http/routers/<name>@<provider>. */
export interface LiveRouter {
  status?: string;
  rule?: string;
  service?: string;
  middlewares?: string[];
  using?: string[];
  error?: string[];
}

/**
 * Whether Traefik's API says a router is live as the spec wants it: null (a
 * 404) is a router Traefik does not know; `status` is "enabled" when it built
 * it, "disabled" with `error` messages when it could not (a missing service
 * or middleware, a bad rule); `using` lists the entry points it is served on.
 * Answers the problems, as sentences; none: live.
 */
export function routeProblems(router: LiveRouter | null, name: string, spec: RouteSpec, edge: EdgeSettings): string[] {
  if (!router) return [`it does not know the router ${name}`];
  const wanted = tenantConfiguration(spec, edge).routers[name];
  if (!wanted) return [`${name} is not one of the tenant's routers`];
  const problems: string[] = [];
  if (router.status !== 'enabled') problems.push(`the router ${name} is ${router.status ?? 'in an unknown state'}${router.error?.length ? ` (${router.error.join('; ')})` : ''}`);
  if (router.rule !== wanted.rule) problems.push(`the router ${name} has the rule ${router.rule ?? '(none)'}, not ${wanted.rule}`);
  const qualified = (value: string) => (value.includes('@') ? value : `${value}@${HTTP_PROVIDER}`);
  if (qualified(router.service ?? '') !== qualified(wanted.service)) problems.push(`the router ${name} goes to ${router.service ?? 'no service'}, not ${wanted.service}`);
  const middlewares = (router.middlewares ?? []).map(qualified);
  for (const middleware of wanted.middlewares.map(qualified)) {
    if (!middlewares.includes(middleware)) problems.push(`the router ${name} lacks the middleware ${middleware}`);
  }
  for (const entryPoint of wanted.entryPoints) if (!(router.using ?? []).includes(entryPoint)) problems.push(`the router ${name} is not served on ${entryPoint}`);
  return problems;
}
