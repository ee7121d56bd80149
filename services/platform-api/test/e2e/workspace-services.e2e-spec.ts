import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureServicesWorkspaceImage,
  freePort,
  SERVICES_WORKSPACE_COMMAND,
  SERVICES_WORKSPACE_IMAGE,
  SERVICES_WORKSPACE_SERVICES,
  startTraefik,
  testEngineSocket,
  until,
  type RunningTraefik,
} from '@tessera/testing';
import { parse } from 'yaml';
import { ReconcileService } from '../../src/provisioning/reconcile.service';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { provisioned, startAppWithDevIdp } from '../support/app';
import { edgeClient } from '../support/edge';
import { removeTenantObjects } from '../support/engine';
import { throughEdge } from '../support/through-edge';

/**
 * Several services in one workspace, through the whole edge path: a real
 * Traefik watching the route files platform-api writes, its forwardAuth
 * calling the API, in front of a real workspace container (Podman) whose
 * plan gives it two services, `app` (busybox httpd on 8080) and `docs` (a
 * shell per connection on 8081 that serves a page or a WebSocket). The image
 * is built here from Debian's busybox (packages/testing,
 * ensureServicesWorkspaceImage), never pulled.
 */
jest.setTimeout(120_000);

interface RouteFile {
  http: {
    routers: Record<string, { rule: string; service: string; middlewares: string[] }>;
    services: Record<string, { loadBalancer: { servers: { url: string }[] } }>;
    middlewares?: Record<string, unknown>;
  };
}

describe('several services in one workspace, through Traefik', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-services-'));
  const defaultTenant = slug('default');
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let traefik: RunningTraefik;
  let docker: Docker;
  let suspendedPage: Server;
  const bearer: Record<string, string> = {};
  /** Edge sessions, signed in once each through the proxy. */
  const cookies: Record<string, string> = {};

  /** `duo`'s (or another tenant's) host for a service: the default one at `<slug>.tessera.test`, another at `<service>--<slug>.tessera.test`. */
  const hostOf = (name: string, service?: string) => `${service ? `${service}--` : ''}${slug(name)}.tessera.test`;

  const edge = throughEdge(() => traefik.port);
  const get = edge.get;
  const websocket = (host: string, headers: Record<string, string> = {}) => edge.websocket(host, '/live', headers);

  /** The sign-in round trip through the proxy on `host`, as a browser makes it: the edge session cookie it sets. */
  async function signInThrough(who: string, host: string): Promise<string> {
    const away = await get(host, '/');
    expect(away.status).toBe(302);
    const back = new URL(decodeURIComponent(away.headers['location']!.split('return=')[1]!));
    expect(back.hostname).toBe(host);
    const { redirect } = (await t.http().post('/edge/tickets').set('authorization', `Bearer ${bearer[who]}`).send({ returnUrl: back.toString() }).expect(200)).body as { redirect: string };
    const link = new URL(redirect);
    expect(link.hostname).toBe(host);
    const exchanged = await get(host, `${link.pathname}${link.search}`);
    expect(exchanged.status).toBe(302);
    return exchanged.headers['set-cookie']![0]!.split(';')[0]!;
  }

  const routeOf = (name: string): RouteFile => parse(readFileSync(join(dynamicDir, `tenant-${slug(name)}.yml`), 'utf8')) as RouteFile;

  beforeAll(async () => {
    docker = new Docker({ socketPath: testEngineSocket() });
    await ensureServicesWorkspaceImage(testEngineSocket());
    // The suspended page, as the portal would serve it.
    suspendedPage = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>This workspace is suspended</h1>'));
    await new Promise<void>((resolve) => suspendedPage.listen(0, '127.0.0.1', resolve));

    const apiPort = await freePort();
    t = await startAppWithDevIdp('workspace_services', {
      PORT: String(apiPort),
      CONTAINER_ENGINE_SOCKET: testEngineSocket(),
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      WORKSPACE_IMAGE: SERVICES_WORKSPACE_IMAGE,
      WORKSPACE_COMMAND: SERVICES_WORKSPACE_COMMAND,
      // Business workspaces run both services; every other plan only app, the default.
      WORKSPACE_SERVICES_BUSINESS: SERVICES_WORKSPACE_SERVICES,
      BASE_DOMAIN: 'tessera.test',
      SEED_DEFAULT_TENANT: defaultTenant,
      EDGE_FORWARD_AUTH_URL: `http://127.0.0.1:${apiPort}/edge/auth`,
      EDGE_LOGIN_URL: 'https://portal.tessera.test/edge/start',
      EDGE_SUSPENDED_PAGE_URL: `http://127.0.0.1:${(suspendedPage.address() as { port: number }).port}/suspended`,
      WORKSPACE_IDLE_CHECK_SECONDS: '0',
    });
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const [who, tenant, plan] of [
      ['owner', 'duo', 'business'],
      ['outsider', 'solo', 'starter'],
    ] as const) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
      await t.http().post('/tenants').set('authorization', `Bearer ${bearer[who]}`).send({ slug: slug(tenant), name: tenant, plan }).expect(201);
      const done = await provisioned(t, slug(tenant), bearer[who]!);
      expect(done.provisioning['route']?.state).toBe('ok');
    }
    traefik = await startTraefik(dynamicDir);
    await until('Traefik routes both services of duo', async () => (await Promise.all([get(hostOf('duo')), get(hostOf('duo', 'docs'))])).every((a) => a.status === 302));
    // Signed in on the second service's host: one session for every host of the base domain.
    cookies['owner'] = await signInThrough('owner', hostOf('duo', 'docs'));
    cookies['outsider'] = await signInThrough('outsider', hostOf('solo'));
  });

  afterAll(async () => {
    await traefik?.stop();
    await t?.close();
    suspendedPage?.close();
    await removeTenantObjects(docker, [defaultTenant, slug('duo'), slug('solo')]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('lists the services of the plan in the workspace status, the default first', async () => {
    const duo = await t.http().get(`/tenants/${slug('duo')}/workspace`).set('authorization', `Bearer ${bearer['owner']}`).expect(200);
    expect(duo.body.services).toEqual([
      { name: 'app', port: 8080, default: true },
      { name: 'docs', port: 8081, default: false },
    ]);
    const solo = await t.http().get(`/tenants/${slug('solo')}/workspace`).set('authorization', `Bearer ${bearer['outsider']}`).expect(200);
    expect(solo.body.services).toEqual([{ name: 'app', port: 8080, default: true }]);
  });

  it("writes one router per service into the tenant's route file, each to its own published port, all through the same forwardAuth", async () => {
    const { http } = routeOf('duo');
    const [main, docs] = [`tenant-${slug('duo')}`, `tenant-${slug('duo')}--docs`];
    expect(Object.keys(http.routers)).toEqual([main, docs]);
    expect(http.routers[main]!.rule).toBe(`Host(\`${hostOf('duo')}\`)`);
    expect(http.routers[docs]!.rule).toBe(`Host(\`${hostOf('duo', 'docs')}\`)`);
    expect(http.routers[main]!.middlewares).toEqual([`tenant-${slug('duo')}-auth`]);
    expect(http.routers[docs]!.middlewares).toEqual([`tenant-${slug('duo')}-auth`]);
    expect(Object.keys(http.middlewares ?? {})).toEqual([`tenant-${slug('duo')}-auth`]);
    // Each router's target is one of the container's published ports.
    const container = await docker.getContainer(`tessera-${slug('duo')}-app`).inspect();
    const published = (port: number) => `http://127.0.0.1:${container.NetworkSettings.Ports[`${port}/tcp`]![0]!.HostPort}`;
    expect(http.services[main]!.loadBalancer.servers).toEqual([{ url: published(8080) }]);
    expect(http.services[docs]!.loadBalancer.servers).toEqual([{ url: published(8081) }]);
    // A plan with one service keeps one router.
    expect(Object.keys(routeOf('solo').http.routers)).toEqual([`tenant-${slug('solo')}`]);

    // The route step alone, as at the API's start, finds the same targets stored on the tenant: nothing to change.
    const tenant = (await t.app.get(TenantsRepository).findBySlug(slug('duo')))!;
    expect(tenant.edgeTargets).toEqual({ '8080': published(8080), '8081': published(8081) });
    const routeOnly = await t.app.get(ReconcileService).reconcile(tenant, { only: ['route'], wait: true, expected: true });
    expect(routeOnly.steps['route']).toEqual({ state: 'ok', drift: [] });
  });

  it('serves each service on its own host to a member, with the identity the edge vouches for', async () => {
    const app = await get(hostOf('duo'), '/', { cookie: cookies['owner']! });
    expect(app.status).toBe(200);
    expect(app.body).toContain('Your Tessera workspace is running');
    const docs = await get(hostOf('duo', 'docs'), '/guide', { cookie: cookies['owner']! });
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('Docs for owner@example.test');
  });

  it('opens a WebSocket on the second service for a member, and refuses one without a session', async () => {
    expect(await websocket(hostOf('duo', 'docs'))).toEqual({ status: 401 });
    expect(await websocket(hostOf('duo', 'docs'), { cookie: cookies['owner']! })).toEqual({ status: 101, message: 'docs greets owner@example.test' });
  });

  it('refuses a member of another tenant on every service, WebSockets included', async () => {
    // The outsider is signed in (their own workspace answers them) but not a member of duo.
    expect((await get(hostOf('solo'), '/', { cookie: cookies['outsider']! })).status).toBe(200);
    for (const host of [hostOf('duo'), hostOf('duo', 'docs')]) {
      const refused = await get(host, '/', { cookie: cookies['outsider']! });
      expect(refused.status).toBe(403);
      expect(refused.body).not.toContain('Docs for');
    }
    expect(await websocket(hostOf('duo', 'docs'), { cookie: cookies['outsider']! })).toEqual({ status: 403 });
  });

  it('knows no service the plan does not give: 404 like an unknown host, and no sign-in link to it', async () => {
    const { ask } = edgeClient(t);
    // Unknown name, the default service by its name, a service of another plan.
    for (const host of [hostOf('duo', 'wiki'), hostOf('duo', 'app'), hostOf('solo', 'docs')]) {
      await ask(host, { cookie: cookies['owner'] }).expect(404);
      await t.http().post('/edge/tickets').set('authorization', `Bearer ${bearer['owner']}`).send({ returnUrl: `http://${host}/` }).expect(400);
    }
    // Traefik has no route for them either.
    expect((await get(hostOf('duo', 'wiki'), '/', { cookie: cookies['owner']! })).status).toBe(404);
  });

  it('shows the suspended page on every host of a suspended tenant, and its services again once resumed', async () => {
    await t.http().post(`/tenants/${slug('duo')}/suspend`).set('authorization', `Bearer ${bearer['operator']}`).send({ reason: 'Unpaid' }).expect(200);
    await until('every host of duo shows the suspended page', async () => {
      const answers = await Promise.all([get(hostOf('duo'), '/', { cookie: cookies['owner']! }), get(hostOf('duo', 'docs'), '/', { cookie: cookies['owner']! })]);
      return answers.every((a) => a.status === 200 && a.body.includes('This workspace is suspended'));
    });
    expect(Object.values(routeOf('duo').http.routers).map((router) => router.service)).toEqual([`tenant-${slug('duo')}_suspended`, `tenant-${slug('duo')}_suspended`]);

    await t.http().post(`/tenants/${slug('duo')}/resume`).set('authorization', `Bearer ${bearer['operator']}`).expect(200);
    await until('duo serves its docs again', async () => (await get(hostOf('duo', 'docs'), '/', { cookie: cookies['owner']! })).body.includes('Docs for owner@example.test'));
    expect(existsSync(join(dynamicDir, `tenant-${slug('duo')}.yml`))).toBe(true);
  });

  it("gives a workspace its new plan's services: a container with the new port, a router for it, the service on its host", async () => {
    await t.http().patch(`/tenants/${slug('solo')}`).set('authorization', `Bearer ${bearer['outsider']}`).send({ plan: 'business' }).expect(200);
    // The plan change reconciles in the background, replacing the container: wait for it to finish.
    await t.app.get(ReconcileService).settled();
    const container = await docker.getContainer(`tessera-${slug('solo')}-app`).inspect();
    expect(Object.keys(container.Config.ExposedPorts ?? {}).sort()).toEqual(['8080/tcp', '8081/tcp']);
    expect(Object.keys(routeOf('solo').http.routers)).toEqual([`tenant-${slug('solo')}`, `tenant-${slug('solo')}--docs`]);
    await until('the docs of solo answer through Traefik', async () => (await get(hostOf('solo', 'docs'), '/', { cookie: cookies['outsider']! })).body.includes('Docs for outsider@example.test'));
  });
});
