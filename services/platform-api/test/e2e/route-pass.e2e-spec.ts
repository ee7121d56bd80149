import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@tessera/testing';
import { LeaseRepository } from '../../src/provisioning/lease.repository';
import { ReconcileService, ROUTE_PASS_LEASE } from '../../src/provisioning/reconcile.service';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { startAnotherProcess, startAppWithDevIdp, type TestApp } from '../support/app';

/**
 * The start-up route pass of an API process (EDGE_ROUTES=http) runs in the
 * background: a process started on a database with tenants serves at once,
 * the routes already stored, while its pass asks a Traefik's API about each
 * route. That Traefik's API here accepts connections and never answers, so
 * the pass lasts one liveness timeout (2 s) for each tenant. No container
 * engine and no Traefik.
 */
jest.setTimeout(120_000);

const SECRET = 'the-route-source-secret-in-tests-0123456789';
const TENANTS = 8;

describe('the start-up route pass', () => {
  const run = randomBytes(3).toString('hex');
  const env = { EDGE_ROUTES: 'http', EDGE_ROUTES_SECRET: SECRET, BASE_DOMAIN: 'tessera.test' };
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  /** The processes started on t's database, each asking the silent Traefik API; closed after the tests unless a test stopped one. */
  const started: TestApp[] = [];
  const startAnother = async () => {
    const app = await startAnotherProcess(t, { ...env, TRAEFIK_API_URLS: `http://127.0.0.1:${silentPort}` });
    started.push(app);
    return app;
  };
  const stop = async (app: TestApp) => {
    started.splice(started.indexOf(app), 1);
    await app.close();
  };
  /** A Traefik API that never answers, and what it was asked. */
  let silent: Server;
  let silentPort: number;
  const held = new Set<Socket>();
  let asked = 0;

  beforeAll(async () => {
    silentPort = await freePort();
    silent = createServer((socket) => {
      asked += 1;
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
    t = await startAppWithDevIdp('route_pass', env);
    const tenants = t.app.get(TenantsRepository);
    for (let i = 0; i < TENANTS; i += 1) await tenants.create({ slug: `pass-${i}-${run}`, name: `Pass ${i}`, plan: 'starter', status: 'active', industry: null, brandColor: null });
    // The first process stores every route (it asks no Traefik).
    await t.app.get(ReconcileService).settled();
    expect(await t.app.get(ReconcileService).routePass()).toBe(true);
  });

  afterAll(async () => {
    for (const app of started.reverse()) await app.close();
    await t?.close();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('lets a process started on a database with tenants serve the stored routes while its pass still waits on a Traefik API', async () => {
    const other = await startAnother();
    // Started, and its pass is under way: it holds the pass's lease.
    const leases = t.app.get(LeaseRepository);
    expect(await leases.isHeld(ROUTE_PASS_LEASE)).toBe(true);
    const routes = await other.http().get('/edge/routes').set('x-tessera-edge-secret', SECRET).set('accept-encoding', 'identity').expect(200);
    expect(routes.headers['x-tessera-routes']).toBe(String((await t.app.get(TenantsRepository).listAll()).length));
    // The pass goes on in the background, asking the Traefik API about the routes, and ends.
    await other.app.get(ReconcileService).settled();
    expect(asked).toBeGreaterThanOrEqual(TENANTS);
    expect(await leases.isHeld(ROUTE_PASS_LEASE)).toBe(false);
  });

  it('stops its pass after the tenant at hand when the process stops, and releases the lease', async () => {
    const another = await startAnother();
    const leases = t.app.get(LeaseRepository);
    expect(await leases.isHeld(ROUTE_PASS_LEASE)).toBe(true);
    const before = asked;
    await stop(another);
    expect(await leases.isHeld(ROUTE_PASS_LEASE)).toBe(false);
    expect(asked - before).toBeLessThan(TENANTS);
  });
});
