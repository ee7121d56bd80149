import type { RouteSpec } from './edge-router.port';
import { dynamicConfiguration, routeProblems, type EdgeSettings, type LiveRouter } from './traefik-routes';

const edge: EdgeSettings = { forwardAuthUrl: 'http://api:3000/edge/auth', suspendedPageUrl: 'http://portal:3001/suspended', tlsResolver: null, readinessHost: 'edge-ready.tessera.invalid' };
const shop: RouteSpec = {
  slug: 'shop',
  services: [
    { name: 'app', hosts: ['shop.tessera.test', 'www.shop.example'], target: 'http://ws-shop:8080' },
    { name: 'admin', hosts: ['admin--shop.tessera.test'], target: 'http://ws-shop:9000' },
  ],
  suspended: false,
};

describe('the routes document Traefik reads from the API', () => {
  it('gives every service of a tenant a router through the one shared forwardAuth, and adds the readiness router', () => {
    const { http } = dynamicConfiguration([shop], edge);
    expect(http.routers['tenant-shop']).toEqual({ rule: 'Host(`shop.tessera.test`) || Host(`www.shop.example`)', service: 'tenant-shop', middlewares: ['tessera-auth'], entryPoints: ['websecure'] });
    expect(http.routers['tenant-shop--admin']).toMatchObject({ service: 'tenant-shop--admin', middlewares: ['tessera-auth'] });
    expect(http.services['tenant-shop--admin']).toEqual({ loadBalancer: { servers: [{ url: 'http://ws-shop:9000' }] } });
    expect(http.routers['tessera-routes-loaded']).toMatchObject({ rule: 'Host(`edge-ready.tessera.invalid`)', service: 'ping@internal' });
    expect(Object.keys(http.middlewares)).toEqual(['tessera-auth']);
  });

  it('sends every host of a suspended tenant to the suspended page, past no forwardAuth, with no name another tenant could hold', () => {
    const { http } = dynamicConfiguration([{ ...shop, suspended: true }, { ...shop, slug: 'shop-suspended' }], edge);
    expect(http.routers['tenant-shop']).toMatchObject({ service: 'tenant-shop_suspended', middlewares: [] });
    expect(http.routers['tenant-shop--admin']).toMatchObject({ service: 'tenant-shop_suspended' });
    expect(http.services['tenant-shop_suspended']).toEqual({ loadBalancer: { servers: [{ url: 'http://portal:3001/suspended' }], passHostHeader: false } });
    expect(http.services['tenant-shop-suspended']).toEqual({ loadBalancer: { servers: [{ url: 'http://ws-shop:8080' }] } });
  });

  it('renders the same bytes for the same routes, whatever their order', () => {
    const blog = { ...shop, slug: 'blog' };
    expect(JSON.stringify(dynamicConfiguration([shop, blog], edge))).toBe(JSON.stringify(dynamicConfiguration([blog, shop], edge)));
  });

  it("reads Traefik's API answer: live as wanted, unknown, disabled, or built from an older route", () => {
    const live: LiveRouter = { status: 'enabled', rule: 'Host(`shop.tessera.test`) || Host(`www.shop.example`)', service: 'tenant-shop@http', middlewares: ['tessera-auth@http'], using: ['websecure'] };
    expect(routeProblems(live, 'tenant-shop', shop, edge)).toEqual([]);
    expect(routeProblems(null, 'tenant-shop', shop, edge)).toEqual(['it does not know the router tenant-shop']);
    expect(routeProblems({ ...live, status: 'disabled', error: ['middleware "tessera-auth@http" does not exist'] }, 'tenant-shop', shop, edge)).toEqual([
      'the router tenant-shop is disabled (middleware "tessera-auth@http" does not exist)',
    ]);
    expect(routeProblems(live, 'tenant-shop', { ...shop, suspended: true }, edge)).toEqual(['the router tenant-shop goes to tenant-shop@http, not tenant-shop_suspended']);
  });
});
