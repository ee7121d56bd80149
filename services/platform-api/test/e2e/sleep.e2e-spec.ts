import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngineSocket } from '@tessera/testing';
import { workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { until } from '@tessera/testing';
import { WorkspaceSleep } from '../../src/edge/workspace-sleep.service';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';
import { removeTenantObjects } from '../support/engine';
import { edgeClient } from '../support/edge';

/**
 * Idle sleep and wake on the real engine. The idle time is a minute of the
 * platform's clock, which the tests move; the idle pass runs when a test
 * calls it. An idle workspace is stopped and its tenant sleeps; the next
 * request through the edge wakes it; a workspace in use, one kept awake and a
 * plan that never sleeps stay up.
 */
const IDLE_MS = 60_000;

describe('idle sleep and wake', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const host = (name: string) => `${slug(name)}.tessera.test`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-sleep-'));
  const defaultTenant = slug('default');
  const names = ['nap', 'busy', 'awake', 'big', 'doze'];
  const bearer: Record<string, string> = {};
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let docker: Docker;
  let edge: ReturnType<typeof edgeClient>;
  let cookie: string;
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const tenant = async (name: string) => (await call('get', `/tenants/${slug(name)}`, 'owner').expect(200)).body;
  const running = async (name: string) => (await docker.getContainer(workspaceNames(slug(name)).container).inspect()).State.Running;
  const open = async (name: string, plan: string, keepAwake = false) => {
    await call('post', '/tenants', 'owner', { slug: slug(name), name, plan }).expect(201);
    if (keepAwake) await call('patch', `/tenants/${slug(name)}`, 'owner', { keepAwake: true }).expect(200);
    await provisioned(t, slug(name), bearer['owner']!);
  };
  const idlePass = () => t.app.get(WorkspaceSleep).idlePass();

  beforeAll(async () => {
    const socket = testEngineSocket();
    docker = new Docker({ socketPath: socket });
    t = await startAppWithDevIdp('sleep', {
      CONTAINER_ENGINE_SOCKET: socket,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      BASE_DOMAIN: 'tessera.test',
      SEED_DEFAULT_TENANT: defaultTenant,
      WORKSPACE_IDLE_SECONDS: String(IDLE_MS / 1_000),
      WORKSPACE_IDLE_SECONDS_ENTERPRISE: '0',
      WORKSPACE_IDLE_CHECK_SECONDS: '0',
    });
    edge = edgeClient(t);
    await t.idp.createPerson('owner');
    bearer['owner'] = await t.idp.accessToken('owner', 'portal');
    // One sign-in to the edge for every workspace of the base domain.
    await open('nap', 'starter');
    cookie = edge.cookieOf(await edge.signIn(bearer['owner']!, `https://${host('nap')}/`));
  });
  afterAll(async () => {
    await t.close();
    await removeTenantObjects(docker, [defaultTenant, ...names.map(slug)]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('stops an idle workspace and marks its tenant sleeping, keeping one in use, one kept awake and a never-sleeping plan up', async () => {
    await open('busy', 'starter');
    await open('awake', 'starter', true);
    await open('big', 'enterprise');
    // The idle time passes; someone keeps using busy meanwhile.
    t.clock.advance(IDLE_MS + 1_000);
    await edge.ask(host('busy'), { cookie }).expect(200);
    const asleep = await idlePass();
    expect(asleep).toContain(slug('nap'));
    for (const name of ['busy', 'awake', 'big']) expect(asleep).not.toContain(slug(name));
    expect(await running('nap')).toBe(false);
    // Idle time passes again for the others, busy still in use: nothing more sleeps.
    t.clock.advance(IDLE_MS - 1_000);
    // The platform's clock runs with real time too: take the request's time as it is made, however slow the machine.
    const lastRequest = t.clock.now().getTime();
    await edge.ask(host('busy'), { cookie }).expect(200);
    t.clock.advance(2_000);
    expect(await idlePass()).toEqual([]);
    for (const name of ['busy', 'awake', 'big']) {
      expect(await tenant(name)).toMatchObject({ status: 'active' });
      expect(await running(name)).toBe(true);
    }
    const nap = await tenant('nap');
    expect(nap.health).toEqual({ status: 'healthy', reasons: ['Asleep after idling: the next request wakes it'] });
    // Nap never saw a request (it slept for its age); busy's requests were written in batches, the last one
    // before the pass (read once the read cache, which activity writes do not clear, has let go of it).
    expect(nap.lastActivityAt).toBeNull();
    t.clock.advance(t.config.readCacheTtlMs + 1);
    expect(new Date((await tenant('busy')).lastActivityAt).getTime()).toBeGreaterThanOrEqual(lastRequest - 1_000);
    const [slept] = (await call('get', `/tenants/${slug('nap')}/activity?action=workspace.sleep`, 'owner').expect(200)).body.items;
    expect(slept).toMatchObject({ actor: { kind: 'system', subject: 'idle-sleeper' }, changes: { status: { from: 'active', to: 'sleeping' } }, reason: 'No request for 1 min' });
  });

  it('wakes a sleeping workspace on the next request: a waking page that retries, then the request goes through to a workspace that answers', async () => {
    await open('doze', 'starter');
    t.clock.advance(IDLE_MS + 1_000);
    expect(await idlePass()).toContain(slug('doze'));
    const waking = await edge.ask(host('doze'), { cookie }).expect(503);
    expect(waking.headers['retry-after']).toBe('1');
    expect(waking.text).toContain('location.reload()');
    await until('doze lets the request through', async () => (await edge.ask(host('doze'), { cookie })).status === 200);
    expect(await running('doze')).toBe(true);
    const awake = await tenant('doze');
    expect(awake.status).toBe('active');
    const target = (await docker.getContainer(workspaceNames(slug('doze')).container).inspect()).NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
    expect((await fetch(`http://127.0.0.1:${target}/`)).status).toBeLessThan(500);
    const [woke] = (await call('get', `/tenants/${slug('doze')}/activity?action=workspace.wake`, 'owner').expect(200)).body.items;
    expect(woke).toMatchObject({ actor: { kind: 'system', subject: 'edge' }, changes: { status: { from: 'sleeping', to: 'active' } } });
    expect(woke.reason).toMatch(/^Woken by a request from owner@example\.test \(\d+ ms\)$/);
  });
});
