import Docker from 'dockerode';
import { OcisTestServer, StalwartTestServer, startTraefik, testEngineSocket, type RunningTraefik } from '@tessera/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeResult, SystemHealth } from '@tessera/contracts';
import { caller, startAppWithDevIdp } from '../support/app';
import { removeTenantObjects } from '../support/engine';

type App = Awaited<ReturnType<typeof startAppWithDevIdp>>;

const probe = (health: SystemHealth, name: string): ProbeResult => {
  const found = health.probes.find((p) => p.name === name);
  if (!found) throw new Error(`no probe ${name} in ${JSON.stringify(health)}`);
  return found;
};

async function operatorOf(t: App, bearer: Record<string, string>): Promise<void> {
  await t.idp.createPerson('opal', { groups: ['platform-admins'] });
  bearer['operator'] = await t.idp.accessToken('opal', 'operator');
  await t.idp.createPerson('olga');
  bearer['customer'] = await t.idp.accessToken('olga', 'portal');
}

describe('GET /system/health with every dependency up', () => {
  const stalwart = new StalwartTestServer('health-token');
  const ocis = new OcisTestServer('health-token');
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-health-'));
  const bearer: Record<string, string> = {};
  // The seeded tenant's slug is this run's own, and its engine objects are removed after: the engine is shared.
  const defaultTenant = `default-${randomBytes(3).toString('hex')}`;
  let t: App;

  beforeAll(async () => {
    await stalwart.start();
    await ocis.start();
    t = await startAppWithDevIdp('system_health_up', {
      CONTAINER_ENGINE_SOCKET: testEngineSocket(),
      SEED_DEFAULT_TENANT: defaultTenant,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      MAIL_API_URL: stalwart.origin,
      MAIL_API_TOKEN: 'health-token',
      FILES_API_URL: ocis.origin,
      FILES_API_TOKEN: 'health-token',
    });
    await operatorOf(t, bearer);
  });
  afterAll(async () => {
    await t.close();
    await stalwart.stop();
    await ocis.stop();
    await removeTenantObjects(new Docker({ socketPath: testEngineSocket() }), [defaultTenant]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('probes the database, the identity provider, the engine, the edge, mail and files, each with a measured latency', async () => {
    const health = (await caller(t, bearer)('get', '/system/health', 'operator').expect(200)).body as SystemHealth;
    expect(health.status).toBe('up');
    expect(health.probes.map((p) => p.name)).toEqual(['database', 'identity-discovery', 'identity-admin', 'container-engine', 'edge', 'mail', 'files']);
    for (const result of health.probes) {
      expect(result).toMatchObject({ status: 'up', lastError: null });
      expect(result.latencyMs).toEqual(expect.any(Number));
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('is for operators only', async () => {
    await caller(t, bearer)('get', '/system/health', 'customer').expect(403);
    await caller(t, bearer)('get', '/system/health').expect(401);
  });
});

describe('GET /system/health with dependencies down', () => {
  const bearer: Record<string, string> = {};
  const base = mkdtempSync(join(tmpdir(), 'tessera-health-'));
  // The edge's dynamic directory is blocked by a file of the same name until a test removes it.
  const dynamicDir = join(base, 'dynamic');
  const held: Socket[] = [];
  let silent: Server;
  let t: App;

  beforeAll(async () => {
    writeFileSync(dynamicDir, 'not a directory');
    // A mail server that accepts connections and never answers.
    silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t = await startAppWithDevIdp('system_health_down', {
      CONTAINER_ENGINE_SOCKET: join(base, 'no-engine.sock'),
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      MAIL_API_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      MAIL_API_TOKEN: 'health-token',
      IDENTITY_API_TOKEN: 'a-token-the-provider-refuses',
    });
    await operatorOf(t, bearer);
  });
  afterAll(async () => {
    await t.close();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    rmSync(base, { recursive: true, force: true });
  });

  it('reports each failing probe with its error, skips what is not configured, and is down when the identity admin API is', async () => {
    const health = (await caller(t, bearer)('get', '/system/health', 'operator').expect(200)).body as SystemHealth;
    expect(health.status).toBe('down');
    expect(probe(health, 'database').status).toBe('up');
    expect(probe(health, 'identity-discovery').status).toBe('up');
    expect(probe(health, 'identity-admin')).toMatchObject({ status: 'down', lastError: expect.stringMatching(/40[13]|refused|token/i) });
    expect(probe(health, 'container-engine')).toMatchObject({ status: 'down', lastError: expect.stringContaining('ENOENT') });
    expect(probe(health, 'edge')).toMatchObject({ status: 'down', lastError: expect.stringMatching(/EEXIST|ENOTDIR/) });
    expect(probe(health, 'files')).toMatchObject({ status: 'skipped', latencyMs: null, reason: 'File spaces are not configured' });
  });

  it('gives up on a probe that does not answer within its time limit', async () => {
    const health = (await caller(t, bearer)('get', '/system/health', 'operator').expect(200)).body as SystemHealth;
    const mail = probe(health, 'mail');
    expect(mail.status).toBe('down');
    expect(mail.lastError).toMatch(/did not answer within 2000 ms|no answer within 2000 ms/);
    expect(mail.latencyMs).toBeGreaterThanOrEqual(1_900);
  });

  it('keeps reporting the last error after a probe recovers', async () => {
    const failed = probe((await caller(t, bearer)('get', '/system/health', 'operator').expect(200)).body, 'edge');
    rmSync(dynamicDir);
    const recovered = probe((await caller(t, bearer)('get', '/system/health', 'operator').expect(200)).body, 'edge');
    expect(recovered).toMatchObject({ status: 'up', lastError: failed.lastError, lastErrorAt: failed.lastErrorAt });
  });
});

describe('the edge probe', () => {
  const bearer: Record<string, string> = {};
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-health-edge-'));
  let traefik: RunningTraefik;
  let t: App;

  beforeAll(async () => {
    traefik = await startTraefik(dynamicDir);
    t = await startAppWithDevIdp('system_health_edge', { TRAEFIK_DYNAMIC_DIR: dynamicDir, TRAEFIK_PING_URL: traefik.pingUrl });
    await operatorOf(t, bearer);
  });
  afterAll(async () => {
    await t.close();
    await traefik.stop();
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('asks Traefik itself: a writable directory with no Traefik behind it is an edge that is down', async () => {
    expect(probe((await caller(t, bearer)('get', '/system/health', 'operator').expect(200)).body, 'edge').status).toBe('up');
    await traefik.stop();
    const down = probe((await caller(t, bearer)('get', '/system/health', 'operator').expect(200)).body, 'edge');
    expect(down).toMatchObject({ status: 'down', lastError: expect.stringContaining(`Traefik does not answer at ${new URL(traefik.pingUrl).host}`) });
  });
});
