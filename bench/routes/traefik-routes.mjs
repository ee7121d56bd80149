// The routes of Tessera's tenants as Traefik reads them from one shared source,
// in the two shapes the benchmark measures (bench/routes/run.mjs):
//
// - Traefik's HTTP provider: one JSON document holding the whole dynamic
//   configuration, `{ http: { routers, services, middlewares } }`, which an
//   endpoint of the API serves from its database (dynamicConfiguration();
//   route-server.mjs shows the serving: rendered once per change, ETag, gzip).
// - Traefik's Redis (KV) provider: one key per leaf value under a root key,
//   `traefik/http/routers/tenant-<slug>/rule` = "Host(`…`)", arrays as
//   `…/entryPoints/0` (kvPairs(), kvPrefixes()).
// - Besides the tenants, both hold sharedConfiguration(): a readiness router
//   (a load balancer's health check; /ping answers before routes are loaded)
//   and, as an option, one forwardAuth middleware shared by every tenant.
// - routeLiveness() reads Traefik's API answer for a tenant's router: is the
//   route live as wanted (what reconcile should check on every instance).
//
// Pure: no I/O, no clock, no dependencies, so the API's EdgeRouter adapter can
// reuse it as is. The per-tenant shape is the one TraefikFileEdgeRouter.render
// writes to a file today (services/platform-api/src/integrations/edge/
// traefik-file.adapter.ts): a router `tenant-<slug>`, its service, and a
// forwardAuth middleware; a suspended tenant's router goes to the suspended
// page without the middleware. One change from the file adapter's names: the
// middleware and the suspended page's service end in `_auth` and `_suspended`,
// not `-auth` and `-suspended`. A slug may end in `-suspended` (tenant
// `shop-suspended`'s service was `tenant-shop-suspended`, the name of tenant
// `shop`'s suspended service), but it never holds `_`, so no two tenants can
// share an object name, and every key under a tenant's prefixes is its own.

/**
 * @typedef {object} RouteSpec
 * @property {string} slug      the tenant's slug (DNS-safe)
 * @property {string[]} hosts   `<slug>.<base domain>` and the tenant's custom domains
 * @property {string} target    where an active tenant's requests go (URL)
 * @property {boolean} suspended
 *
 * @typedef {object} EdgeSettings
 * @property {string} forwardAuthUrl     the API's /edge/auth
 * @property {string} suspendedPageUrl   where a suspended tenant's hosts go
 * @property {string[]} [entryPoints]    default ['websecure']
 * @property {string} [tlsResolver]      a certificate resolver, when Traefik terminates TLS
 * @property {string} [readinessHost]    a host that answers 200 once Traefik has read this source (sharedConfiguration)
 * @property {boolean} [sharedAuthMiddleware]  one forwardAuth middleware for every tenant instead of one each (sharedConfiguration)
 */

/** Headers the API's answer replaces on the request (see the file adapter for why). */
export const AUTH_RESPONSE_HEADERS = Object.freeze(['X-Tessera-User', 'X-Tessera-Email', 'X-Tessera-Role', 'X-Tessera-Tenant', 'Cookie']);

/**
 * The most of the API's answer Traefik's forwardAuth reads. The API answers
 * with small pages (services/platform-api/src/edge/edge-pages.ts: waking,
 * suspended, not allowed); without a limit Traefik buffers any size, and
 * warns so once per router on every configuration it applies (seen: 204
 * warnings in one reload at about 200 tenants).
 */
export const FORWARD_AUTH_MAX_RESPONSE_BYTES = 65536;

/** The provider names Traefik appends to the objects it read: `<name>@<provider>`. */
export const PROVIDER = Object.freeze({ http: 'http', redis: 'redis', file: 'file' });

/** The router that tells a Traefik has read the route source, and the forwardAuth middleware all tenants may share. */
export const READINESS_ROUTER = 'tessera-routes-loaded';
export const SHARED_AUTH_MIDDLEWARE = 'tessera-auth';

export const routerName = (slug) => `tenant-${slug}`;
export const authMiddlewareName = (slug) => `tenant-${slug}_auth`;
export const serviceName = (slug, suspended = false) => (suspended ? `tenant-${slug}_suspended` : `tenant-${slug}`);

/** The forwardAuth middleware: the same for every tenant (the API reads the tenant from the forwarded host). */
const forwardAuth = (edge) => ({
  forwardAuth: {
    address: edge.forwardAuthUrl,
    trustForwardHeader: false,
    authResponseHeaders: [...AUTH_RESPONSE_HEADERS],
    maxResponseBodySize: FORWARD_AUTH_MAX_RESPONSE_BYTES,
  },
});

/**
 * One tenant's part of the dynamic configuration: `{ routers, services, middlewares }`,
 * each keyed by name, as TraefikFileEdgeRouter renders it; with
 * `edge.sharedAuthMiddleware` its router uses the shared middleware instead
 * of one of its own (which sharedConfiguration holds).
 * @param {RouteSpec} spec
 * @param {EdgeSettings} edge
 */
export function tenantConfiguration(spec, edge) {
  const name = routerName(spec.slug);
  const auth = edge.sharedAuthMiddleware ? SHARED_AUTH_MIDDLEWARE : authMiddlewareName(spec.slug);
  const router = {
    rule: spec.hosts.map((host) => `Host(\`${host}\`)`).join(' || '),
    service: serviceName(spec.slug, spec.suspended),
    middlewares: spec.suspended ? [] : [auth],
    entryPoints: edge.entryPoints ?? ['websecure'],
  };
  if (edge.tlsResolver) router.tls = { certResolver: edge.tlsResolver };
  if (spec.suspended) {
    return {
      routers: { [name]: router },
      services: { [serviceName(spec.slug, true)]: { loadBalancer: { servers: [{ url: edge.suspendedPageUrl }], passHostHeader: false } } },
      middlewares: {},
    };
  }
  return {
    routers: { [name]: router },
    services: { [name]: { loadBalancer: { servers: [{ url: spec.target }] } } },
    middlewares: edge.sharedAuthMiddleware ? {} : { [auth]: forwardAuth(edge) },
  };
}

/**
 * What the source holds besides the tenants' own objects.
 *
 * With `edge.sharedAuthMiddleware`: the one forwardAuth middleware every
 * tenant's router names. It is the same for every tenant (the API reads the
 * tenant from the forwarded host), and one instead of one per tenant halves
 * the document Traefik decodes on every change and takes the Redis layout
 * from 13 keys a tenant to 5 (measured: docs/benchmarks.md, bench/routes).
 *
 * With `edge.readinessHost`: a router for that host to Traefik's own ping service
 * (`ping@internal`, there when Traefik runs with --ping). Traefik answers
 * /ping as soon as it listens, before it has read any route (measured:
 * bench/routes), so a load balancer that checks /ping sends requests to a
 * Traefik that answers 404 for every tenant. Checking this host on the
 * tenants' entry point instead answers 200 only once the source was read: it
 * arrives in the same document as every route (HTTP provider), or in the same
 * listing of keys (Redis provider: one SCAN returns every key that was there
 * before it began).
 * @param {EdgeSettings} edge
 */
export function sharedConfiguration(edge) {
  return {
    routers: edge.readinessHost ? { [READINESS_ROUTER]: { rule: `Host(\`${edge.readinessHost}\`)`, service: 'ping@internal', entryPoints: edge.entryPoints ?? ['websecure'] } } : {},
    middlewares: edge.sharedAuthMiddleware ? { [SHARED_AUTH_MIDDLEWARE]: forwardAuth(edge) } : {},
  };
}

/**
 * The whole dynamic configuration for Traefik's HTTP provider, tenants sorted
 * by slug so the same routes always give the same bytes (and the same ETag).
 * Traefik replaces everything it had from this provider with each document it
 * reads, so the document must always hold every route: never serve a partial
 * or empty one (answer an error instead; Traefik then keeps what it has).
 * @param {Iterable<RouteSpec>} specs
 * @param {EdgeSettings} edge
 */
export function dynamicConfiguration(specs, edge) {
  const shared = sharedConfiguration(edge);
  const http = { routers: { ...shared.routers }, services: {}, middlewares: { ...shared.middlewares } };
  for (const spec of [...specs].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))) {
    const part = tenantConfiguration(spec, edge);
    Object.assign(http.routers, part.routers);
    Object.assign(http.services, part.services);
    Object.assign(http.middlewares, part.middlewares);
  }
  return { http };
}

/**
 * The KV layout Traefik's KV providers read: every leaf of `value` as a key
 * `<prefix>/<path>`, arrays by index, booleans and numbers as text.
 * @returns {Array<[string, string]>}
 */
export function flatten(prefix, value) {
  if (Array.isArray(value)) return value.flatMap((item, index) => flatten(`${prefix}/${index}`, item));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => flatten(`${prefix}/${key}`, item));
  return [[prefix, String(value)]];
}

/**
 * One tenant's keys and values for Traefik's Redis provider (rootKey `traefik`
 * by default). An empty list (a suspended router's middlewares) has no key.
 * Write them in one MSET (or MULTI), and delete keys under kvPrefixes() that
 * are not in the list, so a changed tenant leaves nothing stale behind.
 * @param {RouteSpec} spec
 * @param {EdgeSettings} edge
 * @returns {Array<[string, string]>}
 */
export function kvPairs(spec, edge, rootKey = 'traefik') {
  const part = tenantConfiguration(spec, edge);
  return [
    ...flatten(`${rootKey}/http/middlewares`, part.middlewares),
    ...flatten(`${rootKey}/http/services`, part.services),
    ...flatten(`${rootKey}/http/routers`, part.routers),
  ];
}

/** The keys of sharedConfiguration, written once beside the tenants'. */
export function kvSharedPairs(edge, rootKey = 'traefik') {
  const shared = sharedConfiguration(edge);
  return [...flatten(`${rootKey}/http/middlewares`, shared.middlewares), ...flatten(`${rootKey}/http/routers`, shared.routers)];
}

/**
 * The key prefixes one tenant owns (each ends in `/`): everything under them
 * belongs to that tenant, whatever its state. For SCAN … MATCH <prefix>* when
 * reading or removing a tenant's keys.
 */
export function kvPrefixes(slug, rootKey = 'traefik') {
  return [
    `${rootKey}/http/routers/${routerName(slug)}/`,
    `${rootKey}/http/services/${serviceName(slug)}/`,
    `${rootKey}/http/services/${serviceName(slug, true)}/`,
    `${rootKey}/http/middlewares/${authMiddlewareName(slug)}/`,
  ];
}

/**
 * Whether Traefik's API says the tenant's route is live as the spec wants it.
 * `router` is the JSON of GET /api/http/routers/tenant-<slug>@<provider> (or
 * null on 404). Traefik answers a router it knows with `status` "enabled" when
 * it built it, "disabled" with `error` messages when it could not (a missing
 * service or middleware, a bad rule), and "warning" when it built it with
 * problems; `using` lists the entry points it is served on. Returns
 * `{ live, problems }`, problems as sentences.
 * @param {null | { status?: string, rule?: string, service?: string, middlewares?: string[], using?: string[], error?: string[] }} router
 * @param {RouteSpec} spec
 * @param {EdgeSettings} edge
 * @param {string} provider the provider the route came from (PROVIDER.http, PROVIDER.redis)
 */
export function routeLiveness(router, spec, edge, provider) {
  if (!router) return { live: false, problems: [`Traefik does not know the router ${routerName(spec.slug)}@${provider}`] };
  const wanted = tenantConfiguration(spec, edge).routers[routerName(spec.slug)];
  const problems = [];
  if (router.status !== 'enabled') problems.push(`the router is ${router.status ?? 'in an unknown state'}${router.error?.length ? `: ${router.error.join('; ')}` : ''}`);
  if (router.rule !== wanted.rule) problems.push(`the router's rule is ${router.rule ?? 'missing'}, not ${wanted.rule}`);
  const qualified = (name) => (name.includes('@') ? name : `${name}@${provider}`);
  if (qualified(router.service ?? '') !== qualified(wanted.service)) problems.push(`the router goes to ${router.service ?? 'no service'}, not ${wanted.service}`);
  const middlewares = (router.middlewares ?? []).map(qualified);
  for (const middleware of wanted.middlewares.map(qualified)) {
    if (!middlewares.includes(middleware)) problems.push(`the router lacks the middleware ${middleware}`);
  }
  const using = router.using ?? [];
  for (const entryPoint of wanted.entryPoints) if (!using.includes(entryPoint)) problems.push(`the router is not served on ${entryPoint}`);
  return { live: problems.length === 0, problems };
}
