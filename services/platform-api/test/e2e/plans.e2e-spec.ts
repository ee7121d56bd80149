import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngineSocket } from '@tessera/testing';
import { workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { PlansRepository } from '../../src/plans/plans.repository';
import { planDefaults } from '../../src/plans/plan-defaults';
import { ReconcileService } from '../../src/provisioning/reconcile.service';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';
import { execIn, removeTenantObjects } from '../support/engine';

/**
 * The plan catalogue in the database: seeded with the plans as they were in
 * code, edited by operators (audited, archived never deleted), read by
 * sign-up and subscriptions, and a change of limits reprovisioning the
 * plan's tenants on a real engine (Podman's Docker API).
 */
jest.setTimeout(90_000);

describe('the plan catalogue', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-traefik-'));
  const defaultTenant = slug('default');
  let docker: Docker;
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const inspect = (name: string) => docker.getContainer(workspaceNames(slug(name)).container).inspect();
  const auditOf = async (action: string) => (await call('get', `/audit?action=${action}`, 'operator').expect(200)).body.items as { target: { id: string }; changes: Record<string, { from: unknown; to: unknown }>; reason: string | null }[];

  beforeAll(async () => {
    const socket = testEngineSocket();
    docker = new Docker({ socketPath: socket });
    t = await startAppWithDevIdp('plans', {
      CONTAINER_ENGINE_SOCKET: socket,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      BASE_DOMAIN: 'tessera.test',
      SEED_DEFAULT_TENANT: defaultTenant,
      WORKSPACE_IDLE_SECONDS: '900',
      WORKSPACE_IDLE_SECONDS_ENTERPRISE: '0',
    });
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    await t.idp.createPerson('dana');
    bearer['dana'] = await t.idp.accessToken('dana', 'portal');
  });
  afterAll(async () => {
    await t.close();
    await removeTenantObjects(docker, [defaultTenant, ...['big', 'cheap', 'late'].map(slug)]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('is seeded with the four plans as they were in code, sleep and template from the environment', async () => {
    const plans = (await call('get', '/system/plans', 'operator').expect(200)).body;
    expect(plans.map((plan: { key: string }) => plan.key)).toEqual(['free', 'starter', 'business', 'enterprise']);
    expect(plans[1]).toMatchObject({
      key: 'starter',
      name: 'Starter',
      limits: { cpus: 0.5, memoryMb: 128, pids: 128 },
      prices: [{ currency: 'EUR', monthlyPrice: 1_900 }],
      sleeps: true,
      idleSeconds: 900,
      template: { image: t.config.workspace.image, command: t.config.workspace.command, services: [{ name: 'app', port: 8080, default: true }] },
      archived: false,
      editedAt: null,
    });
    expect(plans[3]).toMatchObject({ key: 'enterprise', limits: { cpus: 2, memoryMb: 512, pids: 512 }, prices: [{ currency: 'EUR', monthlyPrice: 19_900 }], sleeps: false });
    expect(plans[0]).toMatchObject({ key: 'free', tenantCount: 1 });
  });

  it('offers the plans to anyone signed in, without the image or command, and lists the catalogue to operators only', async () => {
    const offers = (await call('get', '/plans', 'dana').expect(200)).body;
    expect(offers).toHaveLength(4);
    expect(offers[2]).toEqual({
      key: 'business', name: 'Business', description: expect.any(String), limits: { cpus: 1, memoryMb: 256, pids: 256 },
      prices: [{ currency: 'EUR', monthlyPrice: 4_900 }], sleeps: true, idleSeconds: 900, services: [{ name: 'app', port: 8080, default: true }], backups: { intervalHours: 6, keepLast: 12, keepDaily: 30 },
      workspaceFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), archived: false,
    });
    // Starter and business differ in limits: a move between them restarts the workspace.
    expect(offers[1].workspaceFingerprint).not.toBe(offers[2].workspaceFingerprint);
    await call('get', '/plans').expect(401);
    await call('get', '/system/plans', 'dana').expect(403);
    await call('patch', '/system/plans/free', 'dana', { name: 'Gratis' }).expect(403);
    await call('post', '/system/plans/free/archive', 'dana', {}).expect(403);
  });

  it('reprovisions the tenants of a plan whose limits change, through reconcile, keeping their data and reporting no drift', async () => {
    const created = await call('post', '/tenants', 'dana', { slug: slug('big'), name: 'Big', plan: 'enterprise' }).expect(201);
    await provisioned(t, slug('big'), bearer['dana']!);
    const container = workspaceNames(slug('big')).container;
    expect((await inspect('big')).HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(await execIn(docker, container, ['/bin/sh', '-c', 'echo kept > /data/plan.txt && echo ok'])).toBe('ok\n');

    const changed = (await call('patch', '/system/plans/enterprise', 'operator', { limits: { cpus: 1.5, memoryMb: 192, pids: 100 } }).expect(200)).body;
    expect(changed).toMatchObject({ reprovisioning: 1, plan: { key: 'enterprise', limits: { cpus: 1.5, memoryMb: 192, pids: 100 }, tenantCount: 1, editedAt: expect.any(String) } });
    await t.app.get(ReconcileService).settled();

    const after = await inspect('big');
    expect(after.HostConfig).toMatchObject({ Memory: 192 * 1024 * 1024, NanoCpus: 1_500_000_000, PidsLimit: 100 });
    expect(after.State.Running).toBe(true);
    expect(await execIn(docker, container, ['/bin/busybox', 'cat', '/data/plan.txt'])).toBe('kept\n');
    // The workspace panel shows the new limits too (the usage history reads them from the catalogue).
    const usage = (await call('get', `/tenants/${slug('big')}/workspace/usage?range=1h`, 'dana').expect(200)).body;
    expect(usage.limits).toEqual({ cpuPercent: 150, memoryBytes: 192 * 1024 * 1024 });

    const [event] = await auditOf('plan.update');
    expect(event).toMatchObject({ target: { id: 'enterprise' }, changes: { limits: { from: { cpus: 2, memoryMb: 512, pids: 512 }, to: { cpus: 1.5, memoryMb: 192, pids: 100 } } } });
    const drift = (await call('get', `/audit?action=tenant.drift&tenant=${created.body.id}`, 'operator').expect(200)).body.items;
    expect(drift).toEqual([]);
  });

  it('leaves tenants alone when only the name, price or sleep changes, and opens new subscriptions at the new price', async () => {
    const changed = (await call('patch', '/system/plans/starter', 'operator', { name: 'Starter plus', prices: [{ currency: 'EUR', monthlyPrice: 2_500 }, { currency: 'usd', monthlyPrice: 2_900 }], sleeps: false }).expect(200)).body;
    expect(changed).toMatchObject({ reprovisioning: 0, plan: { name: 'Starter plus', prices: [{ currency: 'EUR', monthlyPrice: 2_500 }, { currency: 'USD', monthlyPrice: 2_900 }], sleeps: false } });
    const opened = t.clock.now().getTime();
    await call('post', '/tenants', 'dana', { slug: slug('cheap'), name: 'Cheap', plan: 'starter' }).expect(201);
    const subscription = (await call('get', `/tenants/${slug('cheap')}/subscription`, 'dana').expect(200)).body;
    expect(subscription).toMatchObject({ plan: 'starter', status: 'trialing', monthlyPrice: 2_500, currency: 'EUR' });
    const trialDays = (new Date(subscription.trialEndsAt).getTime() - opened) / 86_400_000;
    expect(trialDays).toBeGreaterThanOrEqual(14);
    expect(trialDays).toBeLessThan(14.01);
    await provisioned(t, slug('cheap'), bearer['dana']!);
    const workspace = (await call('get', `/tenants/${slug('cheap')}/workspace`, 'dana').expect(200)).body;
    expect(workspace.sleepsAfterSeconds).toBeNull();
  });

  it('archives a plan: no new tenant or change of plan may choose it, the tenants on it keep it; restoring offers it again', async () => {
    const archived = (await call('post', '/system/plans/starter/archive', 'operator', { reason: 'Replaced by Business' }).expect(200)).body;
    expect(archived.plan).toMatchObject({ archived: true, tenantCount: 1 });
    expect((await call('get', '/plans', 'dana').expect(200)).body.map((plan: { key: string }) => plan.key)).toEqual(['free', 'business', 'enterprise']);
    const refused = await call('post', '/tenants', 'dana', { slug: slug('late'), name: 'Late', plan: 'starter' }).expect(409);
    expect(refused.body.message).toBe('The Starter plus plan is no longer offered');
    await call('patch', `/tenants/${slug('big')}`, 'dana', { plan: 'starter' }).expect(409);
    // The tenant on it keeps it and may change everything else.
    await call('patch', `/tenants/${slug('cheap')}`, 'dana', { name: 'Cheap and cheerful', plan: 'starter' }).expect(200);
    expect((await call('get', `/tenants/${slug('cheap')}/subscription`, 'dana').expect(200)).body).toMatchObject({ plan: 'starter', monthlyPrice: 2_500 });
    await call('post', '/system/plans/starter/archive', 'operator', {}).expect(409);

    const [event] = await auditOf('plan.archive');
    expect(event).toMatchObject({ target: { id: 'starter' }, changes: { archived: { from: false, to: true } }, reason: 'Replaced by Business' });
    await call('post', '/system/plans/starter/restore', 'operator', {}).expect(200);
    await call('post', '/system/plans/starter/restore', 'operator', {}).expect(409);
    await call('post', '/tenants', 'dana', { slug: slug('late'), name: 'Late', plan: 'starter' }).expect(201);
  });

  it('seeds from the environment only plans no operator has edited', async () => {
    const repository = t.app.get(PlansRepository);
    const changed = { ...planDefaults('business', t.config), limits: { cpus: 1, memoryMb: 300, pids: 256 } };
    await repository.seed('business', changed);
    await repository.seed('enterprise', { ...planDefaults('enterprise', t.config), limits: { cpus: 2, memoryMb: 512, pids: 512 } });
    const plans = (await call('get', '/system/plans', 'operator').expect(200)).body;
    expect(plans[2].limits.memoryMb).toBe(300);
    expect(plans[3].limits).toEqual({ cpus: 1.5, memoryMb: 192, pids: 100 });
  });
  it('keeps at least one plan on offer', async () => {
    for (const key of ['free', 'starter', 'business']) await call('post', `/system/plans/${key}/archive`, 'operator', {}).expect(200);
    const refused = await call('post', '/system/plans/enterprise/archive', 'operator', {}).expect(409);
    expect(refused.body.message).toBe('At least one plan must stay on offer');
    for (const key of ['free', 'starter', 'business']) await call('post', `/system/plans/${key}/restore`, 'operator', {}).expect(200);
  });

  it('refuses bad input with a 4xx that names the field, and an unknown plan with 404', async () => {
    const bad = async (body: object) => (await call('patch', '/system/plans/business', 'operator', body).expect(400)).body;
    expect((await bad({ limits: { cpus: 0, memoryMb: 128, pids: 128 } })).fields).toHaveProperty(['limits.cpus']);
    expect((await bad({ limits: { cpus: 1, memoryMb: '128', pids: 128 } })).fields).toHaveProperty(['limits.memoryMb']);
    expect((await bad({ prices: [] })).fields).toHaveProperty(['prices']);
    expect((await bad({ prices: [{ currency: 'EUR', monthlyPrice: 1 }, { currency: 'eur', monthlyPrice: 2 }] })).message).toBe('A plan has one price per currency');
    expect((await bad({ prices: [{ currency: 'EURO', monthlyPrice: 1 }] })).fields).toHaveProperty(['prices.0.currency']);
    expect((await bad({ idleSeconds: 5 })).fields).toHaveProperty(['idleSeconds']);
    expect((await bad({ template: { image: 'UPPER/case', command: ['x'], services: [{ name: 'app', port: 80 }] } })).fields).toHaveProperty(['template.image']);
    expect((await bad({ template: { image: 'a/b:1', command: ['x'], services: [{ name: 'app', port: 80 }, { name: 'docs', port: 80 }] } })).message).toBe('The workspace services must differ in name and port');
    expect((await bad({ name: '   ' })).fields).toHaveProperty(['name']);
    expect((await bad({ editedAt: null })).fields).toHaveProperty(['editedAt']);
    await call('patch', '/system/plans/platinum', 'operator', { name: 'Platinum' }).expect(404);
    await call('post', '/tenants', 'dana', { slug: slug('nope'), name: 'Nope', plan: 'platinum' }).expect(400);
    // Nothing of it was written.
    expect((await call('get', '/system/plans', 'operator').expect(200)).body[2]).toMatchObject({ name: 'Business', limits: { cpus: 1, memoryMb: 300, pids: 256 }, archived: false });
  });

});
