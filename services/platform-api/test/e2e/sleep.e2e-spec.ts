import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngineSocket } from '@tessera/testing';
import { workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { caller, provisioned, startAppWithDevIdp, until } from '../support/app';
import { removeTenantObjects } from '../support/engine';
import { edgeClient } from '../support/edge';

/**
 * Idle sleep and wake on the real engine, with a 2 s idle time checked every
 * second: an idle workspace is stopped and its tenant sleeps; the next request
 * through the edge wakes it; a workspace in use, one kept awake and a plan
 * that never sleeps stay up.
 */
jest.setTimeout(90_000);

describe('idle sleep and wake', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const host = (name: string) => `${slug(name)}.tessera.test`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-sleep-'));
  const defaultTenant = slug('default');
  const bearer: Record<string, string> = {};
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let docker: Docker;
  let edge: ReturnType<typeof edgeClient>;
  let cookie: string;
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const tenant = async (name: string) => (await call('get', `/tenants/${slug(name)}`, 'owner').expect(200)).body;
  const running = async (name: string) => (await docker.getContainer(workspaceNames(slug(name)).container).inspect()).State.Running;

  beforeAll(async () => {
    const socket = testEngineSocket();
    docker = new Docker({ socketPath: socket });
    t = await startAppWithDevIdp('sleep', {
      CONTAINER_ENGINE_SOCKET: socket,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      BASE_DOMAIN: 'tessera.test',
      SEED_DEFAULT_TENANT: defaultTenant,
      WORKSPACE_IDLE_SECONDS: '2',
      WORKSPACE_IDLE_SECONDS_ENTERPRISE: '0',
      WORKSPACE_IDLE_CHECK_SECONDS: '1',
      EDGE_ACTIVITY_FLUSH_SECONDS: '1',
    });
    edge = edgeClient(t);
    await t.idp.createPerson('owner');
    bearer['owner'] = await t.idp.accessToken('owner', 'portal');
    for (const [name, plan] of [['nap', 'starter'], ['busy', 'starter'], ['awake', 'starter'], ['big', 'enterprise']] as const) {
      await call('post', '/tenants', 'owner', { slug: slug(name), name, plan }).expect(201);
    }
    // Busy is kept awake until the test starts using it: setting up takes longer than the idle time.
    for (const name of ['awake', 'busy']) await call('patch', `/tenants/${slug(name)}`, 'owner', { keepAwake: true }).expect(200);
    for (const name of ['nap', 'busy', 'awake', 'big']) await provisioned(t, slug(name), bearer['owner']!);
    cookie = edge.cookieOf(await edge.signIn(bearer['owner']!, `https://${host('nap')}/`));
    await edge.ask(host('busy'), { cookie }).expect(200);
    await call('patch', `/tenants/${slug('busy')}`, 'owner', { keepAwake: false }).expect(200);
  });
  afterAll(async () => {
    await t.close();
    await removeTenantObjects(docker, [defaultTenant, ...['nap', 'busy', 'awake', 'big'].map(slug)]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('stops an idle workspace and marks its tenant sleeping, keeping one in use, one kept awake and a never-sleeping plan up', async () => {
    await until(
      'nap sleeps',
      async () => (await tenant('nap')).status === 'sleeping',
      // Meanwhile someone keeps using busy.
      () => edge.ask(host('busy'), { cookie }).expect(200),
    );
    expect(await running('nap')).toBe(false);
    // Idle time has passed for the others too, twice over.
    for (let i = 0; i < 12; i += 1) {
      await edge.ask(host('busy'), { cookie }).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 350));
    }
    for (const name of ['busy', 'awake', 'big']) {
      expect(await tenant(name)).toMatchObject({ status: 'active' });
      expect(await running(name)).toBe(true);
    }
    const nap = await tenant('nap');
    expect(nap.health).toEqual({ status: 'healthy', reasons: ['Asleep after idling: the next request wakes it'] });
    // Nap never saw a request (it slept for its age); busy's requests were written in batches.
    expect(nap.lastActivityAt).toBeNull();
    expect(Date.now() - new Date((await tenant('busy')).lastActivityAt).getTime()).toBeLessThan(5_000);
    const [slept] = (await call('get', `/tenants/${slug('nap')}/activity?action=workspace.sleep`, 'owner').expect(200)).body.items;
    expect(slept).toMatchObject({ actor: { kind: 'system', subject: 'idle-sleeper' }, changes: { status: { from: 'active', to: 'sleeping' } }, reason: 'No request for 2 s' });
  });

  it('wakes a sleeping workspace on the next request: a waking page that retries, then the request goes through to a workspace that answers', async () => {
    const waking = await edge.ask(host('nap'), { cookie }).expect(503);
    expect(waking.headers['retry-after']).toBe('1');
    expect(waking.text).toContain('location.reload()');
    await until('nap lets the request through', async () => (await edge.ask(host('nap'), { cookie })).status === 200);
    expect(await running('nap')).toBe(true);
    const awake = await tenant('nap');
    expect(awake.status).toBe('active');
    const target = (await docker.getContainer(workspaceNames(slug('nap')).container).inspect()).NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
    expect((await fetch(`http://127.0.0.1:${target}/`)).status).toBeLessThan(500);
    const [woke] = (await call('get', `/tenants/${slug('nap')}/activity?action=workspace.wake`, 'owner').expect(200)).body.items;
    expect(woke).toMatchObject({ actor: { kind: 'system', subject: 'edge' }, changes: { status: { from: 'sleeping', to: 'active' } } });
    expect(woke.reason).toMatch(/^Woken by a request from owner@example\.test \(\d+ ms\)$/);
  });
});
