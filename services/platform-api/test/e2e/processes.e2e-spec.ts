import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngineSocket, until } from '@tessera/testing';
import { EdgeActivity } from '../../src/edge/edge-activity';
import { WorkspaceSleep } from '../../src/edge/workspace-sleep.service';
import { workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { caller, provisioned, startAnotherProcess, startAppWithDevIdp, type TestApp } from '../support/app';
import { edgeClient } from '../support/edge';
import { removeTenantObjects } from '../support/engine';

/**
 * Two API processes on one database and one container engine, as behind the
 * edge: each has its own memory (caches, last-seen times, wakes in flight)
 * and clock, and they share only the database. A workspace served by one is
 * not put to sleep by the other's idle pass; a wake both see starts the
 * workspace once (a suspension through one process reaching the other's
 * edge within READ_CACHE_SYNC_MS is in edge.e2e-spec). The clocks (one per process, as on two hosts)
 * are moved together instead of sleeping.
 */
jest.setTimeout(180_000);

const IDLE_MS = 60_000;

describe('two API processes on one database', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const host = (name: string) => `${slug(name)}.tessera.test`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-processes-'));
  const defaultTenant = slug('default');
  const bearer: Record<string, string> = {};
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  /** The second process, on t's database. */
  let other: TestApp;
  let docker: Docker;
  let cookie: string;
  /** Traefik's forwardAuth question, to the first process and to the second. */
  let edge: { first: ReturnType<typeof edgeClient>; second: ReturnType<typeof edgeClient> };
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  /** Time passes on both hosts. */
  const advance = (ms: number) => [t.clock, other.clock].forEach((clock) => clock.advance(ms));
  const idlePassOn = (app: TestApp) => app.app.get(WorkspaceSleep).idlePass();
  const statusOf = async (name: string) => (await call('get', `/tenants/${slug(name)}`, 'operator').expect(200)).body.status as string;

  /**
   * The engine's starts of the tenant's container since it last stopped, among its events between `since` and now
   * (seconds, so the window can reach back to a start before that stop). The actions are picked here, not by the
   * engine: Podman's Docker API reports a container's death as `die` but files it as `died`, so an `event: ['die']`
   * filter drops every death and an earlier start in the window would count as a second one.
   */
  const startsOf = async (name: string, since: number): Promise<number> => {
    const stream = (await docker.getEvents({
      since,
      until: Math.ceil(Date.now() / 1_000) + 1,
      filters: JSON.stringify({ type: ['container'], container: [workspaceNames(slug(name)).container] }),
    })) as unknown as NodeJS.ReadableStream;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { status?: string; Action?: string })
      .map((event) => event.Action ?? event.status)
      .reduce((starts, action) => (action === 'die' ? 0 : action === 'start' ? starts + 1 : starts), 0);
  };

  beforeAll(async () => {
    const socket = testEngineSocket();
    docker = new Docker({ socketPath: socket });
    const env = {
      CONTAINER_ENGINE_SOCKET: socket,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      BASE_DOMAIN: 'tessera.test',
      SEED_DEFAULT_TENANT: defaultTenant,
      WORKSPACE_IDLE_SECONDS: String(IDLE_MS / 1_000),
      // The idle pass runs when the test says, in the process it names.
      WORKSPACE_IDLE_CHECK_SECONDS: '0',
      EDGE_ACTIVITY_FLUSH_SECONDS: '30',
    };
    t = await startAppWithDevIdp('processes', env);
    other = await startAnotherProcess(t, env);
    edge = { first: edgeClient(t), second: edgeClient(other) };
    await t.idp.createPerson('owner');
    bearer['owner'] = await t.idp.accessToken('owner', 'portal');
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    await call('post', '/tenants', 'owner', { slug: slug('busy'), name: 'Busy', plan: 'starter' }).expect(201);
    const made = await provisioned(t, slug('busy'), bearer['owner']!);
    expect(Object.values(made.provisioning).filter((step) => step.state === 'error')).toEqual([]);
    await until('busy is active', async () => (await statusOf('busy')) === 'active');
    // One edge session, signed with the secret both processes share.
    cookie = edge.first.cookieOf(await edge.first.signIn(bearer['owner']!, `https://${host('busy')}/`));
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
    await removeTenantObjects(docker, [defaultTenant, slug('busy'), slug('split')]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it("does not put to sleep a workspace the other process is serving, and does once it is idle on both (last-seen times merged in the database)", async () => {
    const lag = t.config.edge.activityFlushMs;
    // The idle time passes with no request; then the second process serves one. The first process's pass leaves it awake
    // (and puts to sleep only the seeded default tenant, which no one has used).
    advance(IDLE_MS + 1_000);
    await edge.second.ask(host('busy'), { cookie }).expect(200);
    expect(await idlePassOn(t)).toEqual([defaultTenant]);
    // Nearly an idle time later the second process serves it again (written at once: its last write is an interval old),
    // and once more a moment after (kept in its memory: written within the interval).
    advance(IDLE_MS - 1_000);
    await edge.second.ask(host('busy'), { cookie }).expect(200);
    advance(lag / 3);
    await edge.second.ask(host('busy'), { cookie }).expect(200);
    // The write follows the answer: landed before the clock jumps an idle time (as it would in real time).
    await other.app.get(EdgeActivity).settled();
    // An idle time after the written request but not after the last one: the pass allows for the interval and keeps it awake.
    advance(IDLE_MS - lag / 3 + 1_000);
    expect(await idlePassOn(t)).toEqual([]);
    expect(await statusOf('busy')).toBe('active');
    expect((await docker.getContainer(workspaceNames(slug('busy')).container).inspect()).State.Running).toBe(true);
    // Idle on both processes, since the last request, for the idle time and the interval (whether the second process's
    // timer has written that request meanwhile or not): the first process's pass puts it to sleep.
    advance(lag + lag / 3);
    expect(await idlePassOn(t)).toEqual([slug('busy')]);
    expect(await statusOf('busy')).toBe('sleeping');
    expect((await docker.getContainer(workspaceNames(slug('busy')).container).inspect()).State.Running).toBe(false);
  });

  it('starts a sleeping workspace once when both processes see its request at once, and both show the waking page until it answers', async () => {
    expect(await statusOf('busy')).toBe('sleeping');
    const since = Math.floor(Date.now() / 1_000) - 1;
    const [first, second] = await Promise.all([edge.first.ask(host('busy'), { cookie }), edge.second.ask(host('busy'), { cookie })]);
    expect([first.status, second.status]).toEqual([503, 503]);
    expect(second.text).toContain('Waking up');
    await until('both processes let the request through', async () => {
      const answers = await Promise.all([edge.first.ask(host('busy'), { cookie }), edge.second.ask(host('busy'), { cookie })]);
      return answers.every((answer) => answer.status === 200);
    });
    expect(await startsOf('busy', since)).toBe(1);
    const woke = (await call('get', `/tenants/${slug('busy')}/activity?action=workspace.wake`, 'owner').expect(200)).body.items;
    expect(woke).toHaveLength(1);
    expect(await statusOf('busy')).toBe('active');
  });
  it('leaves one workspace after 20 reconciles of one tenant split across both processes, healing a removed container once', async () => {
    await call('post', '/tenants', 'owner', { slug: slug('split'), name: 'Split', plan: 'free' }).expect(201);
    await provisioned(t, slug('split'), bearer['owner']!);
    await docker.getContainer(workspaceNames(slug('split')).container).remove({ force: true });
    const reconcileOn = (app: TestApp) => app.http().post(`/tenants/${slug('split')}/reconcile`).set('authorization', `Bearer ${bearer['owner']}`);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => reconcileOn(i % 2 === 0 ? t : other)));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const healed = answers.filter((answer) => (answer.body as { steps: { workspace: { drift: string[] } } }).steps.workspace.drift.includes('container missing'));
    expect(healed).toHaveLength(1);
    const containers = await docker.listContainers({ all: true, filters: { label: [`io.tessera.tenant-slug=${slug('split')}`] } });
    expect(containers.map((container) => container.State)).toEqual(['running']);
    const networks = await docker.listNetworks({ filters: { label: [`io.tessera.tenant-slug=${slug('split')}`] } });
    expect(networks).toHaveLength(1);
  });
});
