import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsServer, startDockerEngine, testEngineSocket } from '@tessera/testing';
import { parse } from 'yaml';
import { TENANT_LABEL, SLUG_LABEL, workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { provisioned, startAppWithDevIdp } from '../support/app';
import { proveDomain } from '../support/domains';
import { execIn, removeTenantObjects } from '../support/engine';
import { EventStreamClient } from '../support/sse';
import { ReconcileService } from '../../src/provisioning/reconcile.service';

type App = Awaited<ReturnType<typeof startAppWithDevIdp>>;
interface RouteFile {
  http: {
    routers: Record<string, { rule: string; service: string; middlewares: string[]; tls?: { certResolver: string } }>;
    services: Record<string, { loadBalancer: { servers: { url: string }[] } }>;
    middlewares?: Record<string, { forwardAuth: { address: string } }>;
  };
}

/** An engine the contract runs on: its API socket, the address its published ports answer the host at, and how to leave it. */
interface ContractEngine {
  socket: string;
  publishAddress: string;
  dispose(docker: Docker, slugs: string[]): Promise<void>;
}

/**
 * The runtime contract on each engine Tessera runs workspaces on with one
 * host: Podman (the tests' shared engine) and Docker Engine from Debian (its
 * own daemon for this file, in a network namespace, through the harness in
 * packages/testing). Its published ports answer on the node's address: the
 * host cannot reach the namespace's loopback, hence WORKSPACE_PUBLISH_ADDRESS.
 * The Swarm adapter passes the same contract in
 * test/integration/swarm-runtime.int-spec.ts (which says what differs there).
 */
const ENGINES: { name: string; start: () => Promise<ContractEngine> }[] = [
  {
    name: 'Podman',
    start: () => Promise.resolve({ socket: testEngineSocket(), publishAddress: '127.0.0.1', dispose: (docker, slugs) => removeTenantObjects(docker, slugs) }),
  },
  {
    name: 'Docker Engine',
    start: async () => {
      const engine = await startDockerEngine({ defaultBridge: true });
      return { socket: engine.socket, publishAddress: engine.address, dispose: () => engine.stop() };
    },
  },
];

/**
 * Provisioning on a real engine (its Docker API) and real route files, with
 * the identity group in dev-idp: the whole path a tenant takes.
 */
jest.setTimeout(60_000);

describe.each(ENGINES)('provisioning on a real engine: $name', ({ start }) => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-traefik-'));
  let docker: Docker;
  let engine: ContractEngine | undefined;
  let dns: DnsServer;
  let t: App;
  let owner: string;
  let operator: string;
  const tenantIds: string[] = [];
  // A default tenant of this run's own, so that runs sharing the engine never share a container.
  const defaultTenant = slug('default');

  const create = async (name: string, plan = 'starter') => {
    const created = await t.http().post('/tenants').set('authorization', `Bearer ${owner}`).send({ slug: slug(name), name, plan }).expect(201);
    tenantIds.push(created.body.id);
    return provisioned(t, slug(name), owner);
  };
  const routeOf = (name: string): RouteFile | null => {
    const path = join(dynamicDir, `tenant-${slug(name)}.yml`);
    return existsSync(path) ? (parse(readFileSync(path, 'utf8')) as RouteFile) : null;
  };
  const inspect = (name: string) => docker.getContainer(workspaceNames(slug(name)).container).inspect();
  const reconcile = async (name: string) => (await t.http().post(`/tenants/${slug(name)}/reconcile`).set('authorization', `Bearer ${owner}`).expect(200)).body;
  /** The drift the audit trail holds for a tenant. */
  const driftAudited = async (name: string) =>
    (await t.http().get(`/audit?tenant=${slug(name)}&action=tenant.drift`).set('authorization', `Bearer ${operator}`).expect(200)).body.items as unknown[];

  beforeAll(async () => {
    engine = await start();
    const socket = engine.socket;
    docker = new Docker({ socketPath: socket });
    dns = await DnsServer.start(['example']);
    t = await startAppWithDevIdp('provisioning', {
      DNS_RESOLVERS: dns.address,
      CONTAINER_ENGINE_SOCKET: socket,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      WORKSPACE_PUBLISH_ADDRESS: engine.publishAddress,
      BASE_DOMAIN: 'tessera.test',
      EDGE_FORWARD_AUTH_URL: 'http://platform-api:3000/edge/auth',
      EDGE_TLS_RESOLVER: 'letsencrypt',
      SEED_DEFAULT_TENANT: defaultTenant,
    });
    await t.idp.createPerson('owner');
    owner = await t.idp.accessToken('owner', 'portal');
    await t.idp.createPerson('operator', { groups: ['platform-admins'] });
    operator = await t.idp.accessToken('operator', 'operator');
    // A Docker Engine of its own starts first: a daemon and the workspace image's import.
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    await engine?.dispose(docker, [defaultTenant, ...['alpha', 'beta', 'gamma', 'delta'].map(slug)]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('provisions a tenant to a running, hardened container on its own network and a consistent route', async () => {
    const tenant = await create('alpha', 'starter');
    expect(tenant.status).toBe('active');
    expect(tenant.provisioning).toMatchObject({ identity: { state: 'ok' }, workspace: { state: 'ok' }, route: { state: 'ok' }, mail: { state: 'skipped' }, files: { state: 'skipped' } });

    const container = await inspect('alpha');
    expect(container.State.Running).toBe(true);
    expect(Object.keys(container.NetworkSettings.Networks)).toEqual([`tessera-${slug('alpha')}`]);
    expect(container.Config.Labels['io.tessera.tenant-id']).toBe(tenantIds[0]);
    const network = await docker.getNetwork(`tessera-${slug('alpha')}`).inspect();
    expect(network.Labels?.['io.tessera.tenant-id']).toBe(tenantIds[0]);
    const volume = await docker.getVolume(`tessera-${slug('alpha')}-data`).inspect();
    expect(volume.Labels['io.tessera.tenant-id']).toBe(tenantIds[0]);

    const route = routeOf('alpha')!;
    const name = `tenant-${slug('alpha')}`;
    const router = route.http.routers[name]!;
    expect(router.rule).toBe(`Host(\`${slug('alpha')}.tessera.test\`)`);
    expect(router.tls).toEqual({ certResolver: 'letsencrypt' });
    expect(route.http.services[router.service]).toBeDefined();
    expect(router.middlewares.map((m) => route.http.middlewares?.[m]?.forwardAuth.address)).toEqual(['http://platform-api:3000/edge/auth']);

    // The route's target really answers: the workspace serves HTTP.
    const target = route.http.services[router.service]!.loadBalancer.servers[0]!.url;
    expect(await (await fetch(target)).text()).toContain('Tessera workspace');

    const status = await t.http().get(`/tenants/${slug('alpha')}/workspace`).set('authorization', `Bearer ${owner}`).expect(200);
    expect(status.body).toMatchObject({ state: 'running', image: 'localhost/tessera-workspace:busybox-1' });
    expect(status.body.memoryBytes).toBeGreaterThan(0);
  });

  it('hardens the container: non-root, no capabilities, no-new-privileges, read-only root, the plan’s limits, only the data volume', async () => {
    const container = await inspect('alpha');
    expect(container.Config.User).toBe('65534:65534');
    expect(container.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(container.HostConfig.ReadonlyRootfs).toBe(true);
    expect(container.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(container.HostConfig.NanoCpus).toBe(500_000_000);
    expect(container.HostConfig.PidsLimit).toBe(128);
    expect(container.Mounts.map((m) => [m.Type, m.Name, m.Destination])).toEqual([['volume', `tessera-${slug('alpha')}-data`, '/data']]);
    expect(JSON.stringify(container.Mounts)).not.toContain('.sock');
    // What the process really has, not only what was asked for.
    const status = await execIn(docker, workspaceNames(slug('alpha')).container, ['/bin/busybox', 'cat', '/proc/self/status']);
    expect(status).toMatch(/^Uid:\s+65534\s/m);
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^CapBnd:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    const write = await execIn(docker, workspaceNames(slug('alpha')).container, ['/bin/sh', '-c', 'touch /etc/x 2>&1; echo rc=$?']);
    expect(write).toContain('Read-only file system');
  });

  it("keeps tenants apart: A's container cannot reach B's, though it reaches itself", async () => {
    await create('beta', 'free');
    const ipOf = async (name: string) => Object.values((await inspect(name)).NetworkSettings.Networks)[0]!.IPAddress;
    const request = (ip: string) => ['/bin/sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 3 ${ip} 8080; echo rc=$?`];
    const alphaContainer = workspaceNames(slug('alpha')).container;
    expect(await execIn(docker, alphaContainer, request(await ipOf('alpha')))).toContain('200 OK');
    const across = await execIn(docker, alphaContainer, request(await ipOf('beta')));
    expect(across).not.toContain('200 OK');
    expect(across).toMatch(/rc=1/);
  });

  it('reports and heals drift: a removed container, route file and identity group', async () => {
    await docker.getContainer(workspaceNames(slug('alpha')).container).remove({ force: true });
    rmSync(join(dynamicDir, `tenant-${slug('alpha')}.yml`));
    const group = (await t.idp.admin('GET', `/core/groups/?name=${encodeURIComponent(`tenant:${slug('alpha')}`)}`)).body as { results: { pk: string }[] };
    await t.idp.admin('DELETE', `/core/groups/${group.results[0]!.pk}/`);

    const result = await reconcile('alpha');
    expect(result).toMatchObject({
      ran: true,
      steps: {
        identity: { state: 'ok', drift: ['identity group missing'] },
        workspace: { state: 'ok', drift: ['container missing'] },
        route: { state: 'ok', drift: ['route file missing'] },
      },
    });
    expect((await inspect('alpha')).State.Running).toBe(true);
    expect(routeOf('alpha')).not.toBeNull();
    expect(((await t.idp.admin('GET', `/core/groups/?name=${encodeURIComponent(`tenant:${slug('alpha')}`)}`)).body as { results: unknown[] }).results).toHaveLength(1);

    const audit = await t.http().get(`/audit?tenant=${slug('alpha')}&action=tenant.drift`).set('authorization', `Bearer ${operator}`).expect(200);
    expect(audit.body.items[0].changes).toMatchObject({ workspace: { from: ['container missing'], to: 'healed' } });

    // Converged now: a second reconcile finds nothing.
    const again = await reconcile('alpha');
    expect(Object.values(again.steps).flatMap((s) => (s as { drift: string[] }).drift)).toEqual([]);
  });

  it('heals a stopped container and a changed route file', async () => {
    await docker.getContainer(workspaceNames(slug('alpha')).container).stop({ t: 1 });
    const path = join(dynamicDir, `tenant-${slug('alpha')}.yml`);
    writeFileSync(path, 'http: {}\n');
    const result = await reconcile('alpha');
    expect(result.steps.workspace.drift).toEqual(['container stopped']);
    expect(result.steps.route.drift).toEqual(['route file changed']);
    expect((await inspect('alpha')).State.Running).toBe(true);
  });

  it('heals a container running the wrong limits, keeping its data', async () => {
    const name = workspaceNames(slug('alpha')).container;
    expect(await execIn(docker, name, ['/bin/sh', '-c', 'echo kept > /data/limits.txt && echo ok'])).toBe('ok\n');
    // Out of band: the same container, but with a quarter of the memory.
    const original = await inspect('alpha');
    await docker.getContainer(name).remove({ force: true });
    const replaced = await docker.createContainer({
      name,
      Image: original.Config.Image,
      Cmd: original.Config.Cmd,
      User: original.Config.User,
      Labels: original.Config.Labels,
      ExposedPorts: original.Config.ExposedPorts,
      HostConfig: {
        NetworkMode: original.HostConfig.NetworkMode,
        PortBindings: { '8080/tcp': [{ HostIp: engine!.publishAddress, HostPort: '' }] },
        Mounts: [{ Type: 'volume', Source: `tessera-${slug('alpha')}-data`, Target: '/data' }],
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        NanoCpus: original.HostConfig.NanoCpus,
        PidsLimit: original.HostConfig.PidsLimit,
        Memory: 32 * 1024 * 1024,
      },
    });
    await replaced.start();

    const result = await reconcile('alpha');
    expect(result.steps.workspace.drift).toEqual(['container runs the wrong limits']);
    expect((await inspect('alpha')).HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(await execIn(docker, name, ['/bin/busybox', 'cat', '/data/limits.txt'])).toBe('kept\n');
  });

  it('applies a plan change to the workspace limits, which is not reported as drift', async () => {
    const driftBefore = (await driftAudited('alpha')).length;
    await t.http().patch(`/tenants/${slug('alpha')}`).set('authorization', `Bearer ${owner}`).send({ plan: 'business' }).expect(200);
    // The plan change reconciles in the background, replacing the container: wait for it to finish.
    await t.app.get(ReconcileService).settled();
    await provisioned(t, slug('alpha'), owner);
    const container = await inspect('alpha');
    expect(container.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(container.HostConfig.NanoCpus).toBe(1_000_000_000);
    expect(container.State.Running).toBe(true);
    expect(await driftAudited('alpha')).toHaveLength(driftBefore);
  });

  it('routes a custom domain once its owner has proven it', async () => {
    // The route is rewritten before the verification answers.
    await proveDomain(t, owner, slug('alpha'), 'work.alpha.example', dns);
    const expected = `Host(\`${slug('alpha')}.tessera.test\`) || Host(\`work.alpha.example\`)`;
    expect(routeOf('alpha')?.http.routers[`tenant-${slug('alpha')}`]?.rule).toBe(expected);
  });

  it('leaves exactly one container and one route file after 20 concurrent reconciles', async () => {
    await create('gamma', 'free');
    await docker.getContainer(workspaceNames(slug('gamma')).container).remove({ force: true });
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.http().post(`/tenants/${slug('gamma')}/reconcile`).set('authorization', `Bearer ${owner}`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const healed = answers.filter((a) => a.body.steps.workspace.drift.includes('container missing'));
    expect(healed).toHaveLength(1);
    const containers = await docker.listContainers({ all: true, filters: { label: [`io.tessera.tenant-slug=${slug('gamma')}`] } });
    expect(containers).toHaveLength(1);
    expect(readdirSync(dynamicDir).filter((f) => f.includes(slug('gamma')))).toEqual([`tenant-${slug('gamma')}.yml`]);
  });

  it('suspends, resumes and terminates, keeping the data volume and its files, none of it reported as drift', async () => {
    const container = workspaceNames(slug('beta')).container;
    expect(await execIn(docker, container, ['/bin/sh', '-c', 'echo precious > /data/keep.txt && echo written'])).toBe('written\n');

    await t.http().post(`/tenants/${slug('beta')}/suspend`).set('authorization', `Bearer ${operator}`).send({ reason: 'test' }).expect(200);
    expect((await inspect('beta')).State.Running).toBe(false);
    const suspended = routeOf('beta')!;
    expect(Object.keys(suspended.http.services)).toEqual([`tenant-${slug('beta')}_suspended`]);

    await t.http().post(`/tenants/${slug('beta')}/resume`).set('authorization', `Bearer ${operator}`).expect(200);
    expect((await inspect('beta')).State.Running).toBe(true);
    expect(routeOf('beta')!.http.middlewares).toBeDefined();
    expect(await execIn(docker, container, ['/bin/busybox', 'cat', '/data/keep.txt'])).toBe('precious\n');

    await t.http().post(`/tenants/${slug('beta')}/terminate`).set('authorization', `Bearer ${operator}`).expect(200);
    expect((await inspect('beta')).State.Running).toBe(false);
    expect(routeOf('beta')).toBeNull();
    const volume = await docker.getVolume(`tessera-${slug('beta')}-data`).inspect();
    expect(readFileSync(join(volume.Mountpoint, 'keep.txt'), 'utf8')).toBe('precious\n');
    // What the engine reported meanwhile (the container stopping and starting) was expected too.
    await t.app.get(ReconcileService).settled();
    expect(await driftAudited('beta')).toEqual([]);
  });

  it('lets an owner stop, start and restart the workspace, refusing what does not apply, and reconcile keeps an owner’s stop', async () => {
    const control = (action: string) => t.http().post(`/tenants/${slug('gamma')}/workspace/${action}`).set('authorization', `Bearer ${owner}`);
    await control('start').expect(409);
    const stopped = await control('stop').expect(200);
    expect(stopped.body).toMatchObject({ state: 'stopped', stoppedByOwner: true });
    expect((await inspect('gamma')).State.Running).toBe(false);
    const again = await control('stop').expect(409);
    expect(again.body.message).toMatch(/stopped already/);
    expect((await reconcile('gamma')).steps.workspace.drift).toEqual([]);
    expect((await inspect('gamma')).State.Running).toBe(false);
    const tenant = await t.http().get(`/tenants/${slug('gamma')}`).set('authorization', `Bearer ${owner}`).expect(200);
    expect(tenant.body.health).toEqual({ status: 'stopped', reasons: ['The workspace was stopped by an owner'] });

    const started = await control('start').expect(200);
    expect(started.body).toMatchObject({ state: 'running', stoppedByOwner: false });
    expect((await inspect('gamma')).State.Running).toBe(true);
    await control('stop').expect(200);
    const restarted = await control('restart').expect(200);
    expect(restarted.body).toMatchObject({ state: 'running', stoppedByOwner: false });
    const audited = await t.http().get(`/audit?tenant=${slug('gamma')}&pageSize=10`).set('authorization', `Bearer ${operator}`).expect(200);
    const actions = audited.body.items.map((event: { action: string }) => event.action).filter((action: string) => action.startsWith('workspace.'));
    expect(actions.slice(0, 4)).toEqual(['workspace.restart', 'workspace.stop', 'workspace.start', 'workspace.stop']);
  });

  it('tells every open page when the engine stops a workspace behind Tessera’s back', async () => {
    const events = await EventStreamClient.open(t, operator);
    try {
      await docker.getContainer(workspaceNames(slug('gamma')).container).stop({ t: 0 });
      const event = await events.next('the engine’s stop of gamma', (e) => e.tenantSlug === slug('gamma') && e.type === 'workspace' && e.state === 'stopped');
      expect(['died', 'stopped']).toContain(event.data.change);
      const status = await t.http().get(`/tenants/${slug('gamma')}/workspace`).set('authorization', `Bearer ${owner}`).expect(200);
      expect(status.body).toMatchObject({ state: 'stopped', stoppedByOwner: false });
      await reconcile('gamma');
      await events.next('gamma running again after reconcile', (e) => e.tenantSlug === slug('gamma') && e.type === 'workspace' && e.state === 'running');
    } finally {
      events.close();
    }
  });

  it('never reads or touches another tenant’s container of the same name, and an operator repairs the workspace, refusing while the data volume is another’s', async () => {
    const tenant = await create('delta', 'free');
    const names = workspaceNames(slug('delta'));
    const ours = await inspect('delta');
    // Another tenant's container under the workspace's name (an engine shared with a test run).
    await docker.getContainer(names.container).remove({ force: true });
    const foreignLabels = { [TENANT_LABEL]: 'another-tenant-id', [SLUG_LABEL]: slug('delta') };
    await (await docker.createContainer({ name: names.container, Image: ours.Config.Image, Cmd: ours.Config.Cmd, User: ours.Config.User, Labels: foreignLabels })).start();

    const status = await t.http().get(`/tenants/${slug('delta')}/workspace`).set('authorization', `Bearer ${owner}`).expect(200);
    expect(status.body).toMatchObject({ state: 'unknown' });
    expect(status.body.reason).toMatch(/belongs to another tenant/);
    const listed = await t.http().get(`/tenants/${slug('delta')}`).set('authorization', `Bearer ${owner}`).expect(200);
    expect(listed.body.health).toMatchObject({ status: 'down', reasons: ['The workspace container is missing'] });
    const reconciled = await reconcile('delta');
    expect(reconciled.steps.workspace).toMatchObject({ state: 'error', error: expect.stringMatching(/belongs to another tenant/) });
    expect((await inspect('delta')).Config.Labels[TENANT_LABEL]).toBe('another-tenant-id');

    const repair = (who: string) => t.http().post(`/tenants/${slug('delta')}/workspace/repair`).set('authorization', `Bearer ${who}`);
    await repair(owner).send({}).expect(403);
    const repaired = await repair(operator).send({ reason: 'Left behind by a test run' }).expect(200);
    expect(repaired.body).toMatchObject({ state: 'running' });
    expect((await inspect('delta')).Config.Labels[TENANT_LABEL]).toBe(tenant.id);
    const audit = await t.http().get(`/audit?tenant=${slug('delta')}&action=workspace.repair`).set('authorization', `Bearer ${operator}`).expect(200);
    expect(audit.body.items[0]).toMatchObject({ reason: 'Left behind by a test run' });
    expect(audit.body.items[0].changes.removed.from).toEqual([expect.stringContaining(names.container)]);

    // A data volume of another tenant's is never removed or mounted: the repair refuses and changes nothing.
    await docker.getContainer(names.container).remove({ force: true });
    await docker.getVolume(names.volume).remove();
    await docker.createVolume({ Name: names.volume, Labels: foreignLabels });
    const refused = await repair(operator).send({}).expect(409);
    expect(refused.body.message).toMatch(/data volume .* belongs to another tenant/);
    expect((await docker.getVolume(names.volume).inspect()).Labels[TENANT_LABEL]).toBe('another-tenant-id');
    expect((await reconcile('delta')).steps.workspace.state).toBe('error');
    expect(await docker.listContainers({ all: true, filters: { name: [names.container] } })).toEqual([]);
  });
});
