import { parse } from 'yaml';
import type { RouteSpec } from './edge-router.port';
import { TraefikFileEdgeRouter } from './traefik-file.adapter';

interface Rendered {
  http: {
    routers: Record<string, { rule: string; service: string; middlewares: string[]; entryPoints: string[]; tls?: unknown }>;
    services: Record<string, { loadBalancer: { servers: { url: string }[]; passHostHeader?: boolean } }>;
    middlewares?: Record<string, { forwardAuth: { address: string; trustForwardHeader?: boolean; maxResponseBodySize?: number } }>;
  };
}

const router = new TraefikFileEdgeRouter({
  dynamicDir: '/nowhere',
  forwardAuthUrl: 'http://api:3000/edge/auth',
  tlsResolver: 'letsencrypt',
  suspendedPageUrl: 'http://portal:3001/suspended',
});
const render = (spec: RouteSpec) => parse(router.render(spec)) as Rendered;

const twoServices: RouteSpec = {
  slug: 'acme',
  services: [
    { name: 'app', hosts: ['acme.tessera.test', 'work.acme.example'], target: 'http://127.0.0.1:41000' },
    { name: 'docs', hosts: ['docs--acme.tessera.test'], target: 'http://127.0.0.1:41001' },
  ],
  suspended: false,
};

describe('TraefikFileEdgeRouter.render', () => {
  it('routes one service as one router named after the tenant', () => {
    const { http } = render({ ...twoServices, services: twoServices.services.slice(0, 1) });
    expect(Object.keys(http.routers)).toEqual(['tenant-acme']);
    expect(http.routers['tenant-acme']).toEqual({
      rule: 'Host(`acme.tessera.test`) || Host(`work.acme.example`)',
      service: 'tenant-acme',
      middlewares: ['tenant-acme-auth'],
      entryPoints: ['websecure'],
      tls: { certResolver: 'letsencrypt' },
    });
    expect(http.services).toEqual({ 'tenant-acme': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:41000' }] } } });
  });

  it('gives every service its own router and target, all through the same forwardAuth middleware', () => {
    const { http } = render(twoServices);
    expect(Object.keys(http.routers)).toEqual(['tenant-acme', 'tenant-acme--docs']);
    expect(http.routers['tenant-acme--docs']).toEqual({
      rule: 'Host(`docs--acme.tessera.test`)',
      service: 'tenant-acme--docs',
      middlewares: ['tenant-acme-auth'],
      entryPoints: ['websecure'],
      tls: { certResolver: 'letsencrypt' },
    });
    expect(http.services['tenant-acme--docs']).toEqual({ loadBalancer: { servers: [{ url: 'http://127.0.0.1:41001' }] } });
    expect(http.services['tenant-acme']!.loadBalancer.servers).toEqual([{ url: 'http://127.0.0.1:41000' }]);
    expect(Object.keys(http.middlewares ?? {})).toEqual(['tenant-acme-auth']);
    expect(http.middlewares?.['tenant-acme-auth']?.forwardAuth.address).toBe('http://api:3000/edge/auth');
  });

  it('sends every host of a suspended tenant to the suspended page, with no way to its workspace', () => {
    const { http } = render({ ...twoServices, suspended: true });
    expect(Object.values(http.routers).map((r) => [r.rule, r.service, r.middlewares])).toEqual([
      ['Host(`acme.tessera.test`) || Host(`work.acme.example`)', 'tenant-acme_suspended', []],
      ['Host(`docs--acme.tessera.test`)', 'tenant-acme_suspended', []],
    ]);
    expect(http.services).toEqual({ 'tenant-acme_suspended': { loadBalancer: { servers: [{ url: 'http://portal:3001/suspended' }], passHostHeader: false } } });
    expect(http.middlewares).toBeUndefined();
  });

  it("never names an object as another tenant's file does: a suspended shop and a tenant called shop-suspended", () => {
    const shop = render({ ...twoServices, slug: 'shop', suspended: true });
    const other = render({ ...twoServices, slug: 'shop-suspended' });
    for (const kind of ['routers', 'services', 'middlewares'] as const) {
      const shared = Object.keys(shop.http[kind] ?? {}).filter((name) => name in (other.http[kind] ?? {}));
      expect([kind, shared]).toEqual([kind, []]);
    }
  });

  it("limits how much of the API's answer Traefik reads, as the HTTP provider's middleware does", () => {
    const { http } = render(twoServices);
    expect(http.middlewares?.['tenant-acme-auth']?.forwardAuth).toMatchObject({ trustForwardHeader: false, maxResponseBodySize: 65_536 });
  });
});
