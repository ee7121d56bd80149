import Docker from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTraefik, testEngineSocket, until, type RunningTraefik } from '@tessera/testing';
import { WorkspaceSleep } from '../../src/edge/workspace-sleep.service';
import { provisioned, startAppWithDevIdp } from '../support/app';
import { removeTenantObjects } from '../support/engine';
import { throughEdge } from '../support/through-edge';

/**
 * The whole edge path: a real Traefik (built from the module proxy) watching
 * the directory platform-api writes, its forwardAuth calling the API, in front
 * of real workspace containers, and of a test upstream that shows what a
 * workspace receives (headers, a WebSocket).
 */
jest.setTimeout(120_000);

describe('the edge path through Traefik', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-edge-'));
  const defaultTenant = slug('default');
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let traefik: RunningTraefik;
  let docker: Docker;
  let upstream: Server;
  let owner: string;
  /** The owner's edge session, signed in once for every workspace of the base domain. */
  let cookie: string;

  /** A request through Traefik for `name`'s host. */
  const edge = throughEdge(() => traefik.port);
  const get = (name: string, path = '/', headers: Record<string, string> = {}) => edge.get(`${slug(name)}.tessera.test`, path, headers);
  /** A WebSocket handshake through Traefik; the first text frame the upstream sends, or the refusal's status. */
  const websocket = (name: string, headers: Record<string, string> = {}) => edge.websocket(`${slug(name)}.tessera.test`, '/socket', headers);
  beforeAll(async () => {
    docker = new Docker({ socketPath: testEngineSocket() });
    // The test upstream: answers with the headers it got, and greets a WebSocket with the identity the edge sent.
    upstream = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers)));
    upstream.on('upgrade', (req, socket) => {
      const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      const text = Buffer.from(`hello ${String(req.headers['x-tessera-email'])} as ${String(req.headers['x-tessera-role'])}`);
      socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));

    const apiPort = await freePort();
    t = await startAppWithDevIdp('edge_proxy', {
      PORT: String(apiPort),
      CONTAINER_ENGINE_SOCKET: testEngineSocket(),
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      BASE_DOMAIN: 'tessera.test',
      SEED_DEFAULT_TENANT: defaultTenant,
      EDGE_FORWARD_AUTH_URL: `http://127.0.0.1:${apiPort}/edge/auth`,
      EDGE_LOGIN_URL: 'https://portal.tessera.test/edge/start',
      // Only free workspaces sleep here, after a minute of the platform's clock; the test runs the idle pass.
      WORKSPACE_IDLE_SECONDS: '0',
      WORKSPACE_IDLE_SECONDS_FREE: '60',
      WORKSPACE_IDLE_CHECK_SECONDS: '0',
    });
    await t.idp.createPerson('owner');
    owner = await t.idp.accessToken('owner', 'portal');
    for (const [name, plan] of [['site', 'starter'], ['echo', 'starter'], ['dozy', 'free']] as const) {
      await t.http().post('/tenants').set('authorization', `Bearer ${owner}`).send({ slug: slug(name), name, plan }).expect(201);
      await provisioned(t, slug(name), owner);
    }
    // Echo's route, as the API wrote it, pointed at the test upstream.
    const echoRoute = join(dynamicDir, `tenant-${slug('echo')}.yml`);
    const { port } = upstream.address() as { port: number };
    writeFileSync(echoRoute, readFileSync(echoRoute, 'utf8').replace(/url: http:\/\/127\.0\.0\.1:\d+/, `url: http://127.0.0.1:${port}`));
    // Started once the files are written, so it reads them whole (later changes it picks up as it watches).
    traefik = await startTraefik(dynamicDir);
    await until('Traefik routes every tenant', async () => (await Promise.all(['site', 'echo', 'dozy'].map((name) => get(name)))).every((a) => a.status === 302));
    cookie = await signInThrough('site', '/');
  });

  /** The sign-in round trip through the proxy for `path` on `name`'s host: the edge session cookie it sets. */
  async function signInThrough(name: string, path: string): Promise<string> {
    const away = await get(name, path);
    const back = new URL(decodeURIComponent(away.headers['location']!.split('return=')[1]!));
    const { redirect } = (await t.http().post('/edge/tickets').set('authorization', `Bearer ${owner}`).send({ returnUrl: back.toString() }).expect(200)).body as { redirect: string };
    const link = new URL(redirect);
    const exchanged = await get(name, `${link.pathname}${link.search}`);
    return exchanged.headers['set-cookie']![0]!.split(';')[0]!;
  }
  afterAll(async () => {
    await traefik?.stop();
    await t?.close();
    upstream?.close();
    await removeTenantObjects(docker, [defaultTenant, ...['site', 'echo', 'dozy'].map(slug)]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('sends a browser without a session to sign in and back to the same page, then serves the workspace', async () => {
    const away = await get('site', '/index.html?x=1');
    expect(away.status).toBe(302);
    expect(away.headers['location']).toBe(`https://portal.tessera.test/edge/start?return=${encodeURIComponent(`http://${slug('site')}.tessera.test:${traefik.port}/index.html?x=1`)}`);
    // The portal's part: a ticket for that page, opened on the workspace's host.
    const back = new URL(decodeURIComponent(away.headers['location']!.split('return=')[1]!));
    const { redirect } = (await t.http().post('/edge/tickets').set('authorization', `Bearer ${owner}`).send({ returnUrl: back.toString() }).expect(200)).body as { redirect: string };
    const link = new URL(redirect);
    const exchanged = await get('site', `${link.pathname}${link.search}`);
    expect(exchanged.status).toBe(302);
    expect(exchanged.headers['location']).toBe(`http://${slug('site')}.tessera.test:${traefik.port}/index.html?x=1`);
    const session = exchanged.headers['set-cookie']![0]!.split(';')[0]!;
    const page = await get('site', '/index.html?x=1', { cookie: session });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Your Tessera workspace is running');
  });

  it("gives the workspace the API's identity headers, never the client's, and never the edge session", async () => {
    const answer = await get('echo', '/whoami', { cookie: `theme=dark; ${cookie}`, 'x-tessera-role': 'owner-by-forgery', 'x-tessera-email': 'ceo@evil.example' });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body) as Record<string, string>;
    expect(seen).toMatchObject({ 'x-tessera-email': 'owner@example.test', 'x-tessera-role': 'owner', 'x-tessera-tenant': slug('echo'), cookie: 'theme=dark' });
    // The forged headers, refused without a session, are not passed on either.
    expect((await get('echo', '/whoami', { 'x-tessera-email': 'ceo@evil.example' })).status).toBe(302);
  });

  it('checks WebSocket upgrades the same way', async () => {
    expect(await websocket('echo')).toEqual({ status: 401 });
    expect(await websocket('echo', { cookie })).toEqual({ status: 101, message: 'hello owner@example.test as owner' });
  });

  it('wakes a sleeping workspace through the proxy: the waking page, then the workspace itself', async () => {
    t.clock.advance(61_000);
    expect(await t.app.get(WorkspaceSleep).idlePass()).toContain(slug('dozy'));
    const waking = await get('dozy', '/', { cookie });
    expect(waking.status).toBe(503);
    expect(waking.body).toContain('Waking up');
    await until('dozy answers through the proxy', async () => (await get('dozy', '/', { cookie })).status === 200);
    expect((await get('dozy', '/', { cookie })).body).toContain('Your Tessera workspace is running');
  });
});
