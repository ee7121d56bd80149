// What the route shapes promise the adapter that will reuse them. `node --test`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTH_RESPONSE_HEADERS, dynamicConfiguration, kvPairs, kvPrefixes, kvSharedPairs, routeLiveness, tenantConfiguration } from './traefik-routes.mjs';

const edge = { forwardAuthUrl: 'http://api:3000/edge/auth', suspendedPageUrl: 'http://api:3000/edge/suspended' };
const active = { slug: 'acme', hosts: ['acme.tessera.test', 'www.acme.example'], target: 'http://acme:8080', suspended: false };
const suspended = { ...active, slug: 'zeta', suspended: true };

test('an active tenant is routed by all its hosts to its target through its forwardAuth middleware', () => {
  const part = tenantConfiguration(active, edge);
  assert.deepEqual(part.routers['tenant-acme'], {
    rule: 'Host(`acme.tessera.test`) || Host(`www.acme.example`)',
    service: 'tenant-acme',
    middlewares: ['tenant-acme_auth'],
    entryPoints: ['websecure'],
  });
  assert.deepEqual(part.services['tenant-acme'], { loadBalancer: { servers: [{ url: 'http://acme:8080' }] } });
  assert.deepEqual(part.middlewares['tenant-acme_auth'].forwardAuth, {
    address: edge.forwardAuthUrl,
    trustForwardHeader: false,
    authResponseHeaders: [...AUTH_RESPONSE_HEADERS],
    maxResponseBodySize: 65536,
  });
});

test('a suspended tenant goes to the suspended page, with no middleware and no service to its workspace', () => {
  const part = tenantConfiguration(suspended, edge);
  assert.equal(part.routers['tenant-zeta'].service, 'tenant-zeta_suspended');
  assert.deepEqual(part.routers['tenant-zeta'].middlewares, []);
  assert.deepEqual(Object.keys(part.services), ['tenant-zeta_suspended']);
  assert.deepEqual(part.middlewares, {});
});

test('the HTTP document holds every tenant, and the same routes in any order give the same bytes', () => {
  const one = JSON.stringify(dynamicConfiguration([active, suspended], edge));
  const other = JSON.stringify(dynamicConfiguration([suspended, active], edge));
  assert.equal(one, other);
  assert.deepEqual(Object.keys(dynamicConfiguration([suspended, active], edge).http.routers), ['tenant-acme', 'tenant-zeta']);
});

test('the KV pairs are the leaves of the same configuration, lists by index, booleans as text', () => {
  const pairs = new Map(kvPairs(active, edge));
  assert.equal(pairs.get('traefik/http/routers/tenant-acme/rule'), 'Host(`acme.tessera.test`) || Host(`www.acme.example`)');
  assert.equal(pairs.get('traefik/http/routers/tenant-acme/middlewares/0'), 'tenant-acme_auth');
  assert.equal(pairs.get('traefik/http/routers/tenant-acme/entryPoints/0'), 'websecure');
  assert.equal(pairs.get('traefik/http/services/tenant-acme/loadBalancer/servers/0/url'), 'http://acme:8080');
  assert.equal(pairs.get('traefik/http/middlewares/tenant-acme_auth/forwardAuth/trustForwardHeader'), 'false');
  assert.equal(pairs.get('traefik/http/middlewares/tenant-acme_auth/forwardAuth/authResponseHeaders/4'), 'Cookie');
  assert.equal(pairs.get('traefik/http/middlewares/tenant-acme_auth/forwardAuth/maxResponseBodySize'), '65536');
  assert.equal(pairs.size, 13);
});

test('no two tenants share a router, service or middleware name, whatever their slugs', () => {
  const names = (spec) => Object.entries(tenantConfiguration(spec, edge)).flatMap(([kind, objects]) => Object.keys(objects).map((name) => `${kind}/${name}`));
  const shop = { ...active, slug: 'shop' };
  for (const [one, other] of [
    [{ ...shop, suspended: true }, { ...shop, slug: 'shop-suspended' }],
    [shop, { ...shop, slug: 'shop-auth' }],
    [{ ...shop, suspended: true }, { ...shop, slug: 'shop-auth', suspended: true }],
  ]) {
    const taken = new Set(names(one));
    assert.deepEqual(names(other).filter((name) => taken.has(name)), [], `${one.slug} and ${other.slug}`);
  }
});

test("every KV key of a tenant, active or suspended, lies under one of its prefixes and under no other tenant's", () => {
  for (const spec of [active, { ...active, suspended: true }]) {
    for (const [key] of kvPairs(spec, edge)) {
      assert.ok(kvPrefixes('acme').some((prefix) => key.startsWith(prefix)), key);
      for (const other of ['acm', 'acme-suspended', 'acme-auth']) assert.ok(!kvPrefixes(other).some((prefix) => key.startsWith(prefix)), `${key} under ${other}`);
    }
  }
});

test("a router is live only when Traefik built it as wanted and serves it on the tenant's entry point", () => {
  const built = { status: 'enabled', rule: 'Host(`acme.tessera.test`) || Host(`www.acme.example`)', service: 'tenant-acme', middlewares: ['tenant-acme_auth@redis'], using: ['websecure'] };
  assert.deepEqual(routeLiveness(built, active, edge, 'redis'), { live: true, problems: [] });
  assert.equal(routeLiveness(null, active, edge, 'redis').live, false);
  assert.match(routeLiveness({ ...built, middlewares: [] }, active, edge, 'redis').problems.join(), /lacks the middleware tenant-acme_auth@redis/);
  assert.match(routeLiveness({ ...built, status: 'disabled', error: ['middleware "tenant-acme_auth@redis" does not exist'] }, active, edge, 'redis').problems.join(), /disabled: middleware/);
  assert.match(routeLiveness({ ...built, rule: 'Host(`acme.tessera.test`)' }, active, edge, 'redis').problems.join(), /rule/);
  assert.match(routeLiveness({ ...built, using: [] }, active, edge, 'redis').problems.join(), /not served on websecure/);
});

test('with a readiness host, the document and the KV keys hold a router from that host to Traefik\'s ping service', () => {
  const withReadiness = { ...edge, readinessHost: 'routes-loaded.edge.internal' };
  assert.deepEqual(dynamicConfiguration([active], withReadiness).http.routers['tessera-routes-loaded'], {
    rule: 'Host(`routes-loaded.edge.internal`)',
    service: 'ping@internal',
    entryPoints: ['websecure'],
  });
  assert.deepEqual(new Map(kvSharedPairs(withReadiness)).get('traefik/http/routers/tessera-routes-loaded/service'), 'ping@internal');
  assert.equal(dynamicConfiguration([active], edge).http.routers['tessera-routes-loaded'], undefined);
  assert.deepEqual(kvSharedPairs(edge), []);
});

test('with a shared auth middleware, every active router names the one middleware and no tenant has its own', () => {
  const shared = { ...edge, sharedAuthMiddleware: true };
  const document = dynamicConfiguration([active, { ...active, slug: 'beta' }, suspended], shared).http;
  assert.deepEqual(Object.keys(document.middlewares), ['tessera-auth']);
  assert.equal(document.middlewares['tessera-auth'].forwardAuth.address, edge.forwardAuthUrl);
  assert.deepEqual(document.routers['tenant-acme'].middlewares, ['tessera-auth']);
  assert.deepEqual(document.routers['tenant-beta'].middlewares, ['tessera-auth']);
  assert.deepEqual(document.routers['tenant-zeta'].middlewares, []);
  assert.equal(kvPairs(active, shared).length, 5);
  assert.equal(new Map(kvSharedPairs(shared)).get('traefik/http/middlewares/tessera-auth/forwardAuth/maxResponseBodySize'), '65536');
});
