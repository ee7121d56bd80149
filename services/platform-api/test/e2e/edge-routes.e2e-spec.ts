import { randomBytes } from 'node:crypto';
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { freePort, startTraefikWith, until, type RunningTraefik } from '@tessera/testing';
import { IDLE_PASS_LEASE, WorkspaceSleep } from '../../src/edge/workspace-sleep.service';
import { LeaseRepository } from '../../src/provisioning/lease.repository';
import { ReconcileService, ROUTE_PASS_LEASE } from '../../src/provisioning/reconcile.service';
import { provisioned, startAnotherProcess, startAppWithDevIdp, type TestApp } from '../support/app';
import { throughEdge } from '../support/through-edge';

/**
 * Routes from one source that every Traefik reads (EDGE_ROUTES=http): two API
 * processes on one database each serve the routes at GET /edge/routes, one
 * real Traefik polling each, and reconcile asks both Traefiks' APIs whether a
 * route is live. A route stored through one process reaches the Traefik that
 * reads the other. No container engine: a tenant's route is seen
 * served when its host answers the forwardAuth's sign-in redirect (302)
 * instead of Traefik's 404 for a host it has no route for.
 */
jest.setTimeout(120_000);

const SECRET = 'the-route-source-secret-in-tests-0123456789';
const READY_HOST = 'edge-ready.tessera.invalid';

describe('routes from one source that every Traefik reads', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  /** The second API process, on t's database. */
  let other: TestApp;
  let apiPort: number;
  let otherPort: number;
  const traefiks: RunningTraefik[] = [];
  const ports: Array<{ web: number; ping: number; api: number }> = [];
  let owner: string;
  let operator: string;

  /** Traefik 0 reads the routes from the first process, Traefik 1 from the second. */
  const startEdge = (index: number) =>
    startTraefikWith({ http: { endpoint: `http://127.0.0.1:${index === 0 ? apiPort : otherPort}/edge/routes`, headers: { 'X-Tessera-Edge-Secret': SECRET } }, api: true, ports: ports[index] });
  /** What each Traefik answers for a host: 302 (the sign-in redirect) where it has the route, 404 where it has none. */
  const statusesFor = (host: string) => Promise.all(traefiks.map((traefik) => throughEdge(() => traefik.port).get(host).then((answer) => answer.status)));
  const tenantHost = (name: string) => `${slug(name)}.tessera.test`;
  const reconcile = async (name: string) =>
    (await t.http().post(`/tenants/${slug(name)}/reconcile`).set('authorization', `Bearer ${operator}`).expect(200)).body as { steps: Record<string, { state: string; error?: string }> };

  beforeAll(async () => {
    [apiPort, otherPort] = [await freePort(), await freePort()];
    for (let index = 0; index < 2; index += 1) ports.push({ web: await freePort(), ping: await freePort(), api: await freePort() });
    // The Traefiks first: the API is told their APIs, and they wait for it (Traefik retries a source that does not answer).
    traefiks.push(...(await Promise.all([startEdge(0), startEdge(1)])));
    // The same configuration for both processes (as behind one internal address), so both serve the same bytes.
    const env = {
      EDGE_ROUTES: 'http',
      EDGE_ROUTES_SECRET: SECRET,
      TRAEFIK_API_URLS: traefiks.map((traefik) => traefik.apiUrl!).join(','),
      BASE_DOMAIN: 'tessera.test',
      SEED_DEFAULT_TENANT: slug('default'),
      EDGE_FORWARD_AUTH_URL: `http://127.0.0.1:${apiPort}/edge/auth`,
      EDGE_LOGIN_URL: 'https://portal.tessera.test/edge/start',
      // The idle pass runs when the test says (no timer in either process).
      WORKSPACE_IDLE_CHECK_SECONDS: '0',
    };
    t = await startAppWithDevIdp('edge_routes', { ...env, PORT: String(apiPort) });
    other = await startAnotherProcess(t, { ...env, PORT: String(otherPort) });
    await t.idp.createPerson('owner');
    owner = await t.idp.accessToken('owner', 'portal');
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    operator = await t.idp.accessToken('opal', 'operator');
    for (const name of ['shop', 'blog']) await t.http().post('/tenants').set('authorization', `Bearer ${owner}`).send({ slug: slug(name), name }).expect(201);
  });

  afterAll(async () => {
    await Promise.all(traefiks.map((traefik) => traefik.stop()));
    await other?.close();
    await t?.close();
  });

  it('routes a tenant created through one API process on both Traefiks, and its route step is ok only once both serve it', async () => {
    const tenant = await provisioned(t, slug('shop'), owner);
    expect(tenant.provisioning['route']).toMatchObject({ state: 'ok' });
    // The step waited until both Traefiks' APIs showed the router live: both serve it now, without waiting.
    expect(await statusesFor(tenantHost('shop'))).toEqual([302, 302]);
    expect(await statusesFor(READY_HOST)).toEqual([200, 200]);
    expect(await statusesFor(`nobody-${run}.tessera.test`)).toEqual([404, 404]);
  });

  it('serves the routes only to a caller with the secret: the same document from both processes, gzipped when asked', async () => {
    await t.http().get('/edge/routes').expect(401);
    const wrong = await t.http().get('/edge/routes').set('x-tessera-edge-secret', 'not-the-secret').expect(401);
    expect(wrong.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    const plain = await t.http().get('/edge/routes').set('x-tessera-edge-secret', SECRET).set('accept-encoding', 'identity').expect(200);
    const document = plain.body as { http: { routers: Record<string, { rule: string; middlewares: string[] }> } };
    expect(document.http.routers[`tenant-${slug('shop')}`]).toMatchObject({ rule: `Host(\`${tenantHost('shop')}\`)`, middlewares: ['tessera-auth'] });
    expect(document.http.routers['tessera-routes-loaded']).toMatchObject({ rule: `Host(\`${READY_HOST}\`)` });
    // As Traefik asks: gzip (read raw here, as supertest and fetch would unzip it themselves).
    const zipped = await new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      get({ host: '127.0.0.1', port: apiPort, path: '/edge/routes', headers: { 'x-tessera-edge-secret': SECRET, 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['etag']).toBe(plain.headers['etag']);
    expect(JSON.parse(gunzipSync(zipped.body).toString('utf8'))).toEqual(document);
    const elsewhere = await other.http().get('/edge/routes').set('x-tessera-edge-secret', SECRET).set('accept-encoding', 'identity').expect(200);
    expect(elsewhere.headers['etag']).toBe(plain.headers['etag']);
  });

  it('says a stored route is not live while a Traefik is down, and a restarted Traefik serves every route as soon as it is ready', async () => {
    await provisioned(t, slug('blog'), owner);
    await traefiks[1]!.stop();
    const whileDown = await reconcile('blog');
    expect(whileDown.steps['route']).toMatchObject({ state: 'error' });
    expect(whileDown.steps['route']!.error).toContain(`Traefik's API does not answer at 127.0.0.1:${ports[1]!.api}`);

    // Nothing is rewritten: the new Traefik reads every route from its first poll.
    traefiks[1] = await startEdge(1);
    await until('the restarted Traefik says it has read the routes', async () => (await throughEdge(() => traefiks[1]!.port).get(READY_HOST)).status === 200);
    for (const name of ['default', 'shop', 'blog']) expect(await statusesFor(tenantHost(name))).toEqual([302, 302]);
    expect((await reconcile('blog')).steps['route']).toMatchObject({ state: 'ok' });
  });

  it('keeps both Traefiks serving every route while every API process is down', async () => {
    // Both processes stop answering: their listeners close, and in their place a socket that counts each
    // Traefik's connections (each polls its own process) and drops them, as a dead process's host would.
    const servers = [t, other].map((app) => app.app.getHttpServer() as Server);
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); })));
    const polls = [0, 0];
    const dead: TcpServer[] = [];
    try {
      for (const [index, port] of [apiPort, otherPort].entries()) {
        const server = createTcpServer((socket) => {
          polls[index] = (polls[index] ?? 0) + 1;
          socket.destroy();
        });
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
        dead.push(server);
      }
      // A few polls of each Traefik have failed (no sleeping: the failed polls are counted).
      await until('each Traefik has failed to read its route source three times', async () => polls.every((count) => count >= 3));
      // Real requests through both: the readiness router needs nobody; a tenant's route is still there (its forwardAuth,
      // the API, is down too, so Traefik answers an error of its own), never the 404 of a host it has no route for.
      expect(await statusesFor(READY_HOST)).toEqual([200, 200]);
      for (const name of ['default', 'shop', 'blog']) expect((await statusesFor(tenantHost(name))).filter((status) => status === 404)).toEqual([]);
      expect(await statusesFor(`nobody-${run}.tessera.test`)).toEqual([404, 404]);
    } finally {
      await Promise.all(dead.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await Promise.all(servers.map((server, index) => new Promise<void>((resolve) => server.listen(index === 0 ? apiPort : otherPort, '127.0.0.1', resolve))));
    }
    // Back: both serve the routes from their processes again.
    await until('both Traefiks send the sign-in redirect for shop again', async () => (await statusesFor(tenantHost('shop'))).every((status) => status === 302));
  });

  it('removes a terminated tenant from both Traefiks, and keeps the others', async () => {
    await t.http().post(`/tenants/${slug('blog')}/terminate`).set('authorization', `Bearer ${operator}`).send({ reason: 'end of the test' }).expect(200);
    // Terminate waited until neither Traefik's API knew the router any more.
    expect(await statusesFor(tenantHost('blog'))).toEqual([404, 404]);
    expect(await statusesFor(tenantHost('shop'))).toEqual([302, 302]);
    expect((await t.http().get(`/tenants/${slug('blog')}`).set('authorization', `Bearer ${operator}`).expect(200)).body).toMatchObject({ status: 'terminated' });
  });

  it('runs one start-up route pass and one idle pass at a time across the processes', async () => {
    const leases = other.app.get(LeaseRepository);
    // Held for longer than this process's clock is moved below: not expired to it.
    for (const key of [ROUTE_PASS_LEASE, IDLE_PASS_LEASE]) expect(await leases.acquire(key, 'the other process', 4 * 3_600_000)).toBe(true);
    // Shop has been idle past its plan's idle time; while the other process holds the passes' leases, this one leaves both to it.
    t.clock.advance(2 * 3_600_000);
    expect(await t.app.get(ReconcileService).routePass()).toBe(false);
    expect(await t.app.get(WorkspaceSleep).idlePass()).toEqual([]);
    for (const key of [ROUTE_PASS_LEASE, IDLE_PASS_LEASE]) await leases.release(key, 'the other process');
    expect(await t.app.get(ReconcileService).routePass()).toBe(true);
    expect(await t.app.get(WorkspaceSleep).idlePass()).toContain(slug('shop'));
  });
});
