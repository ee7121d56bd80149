import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { testEngineSocket, until } from '@tessera/testing';
import type { UsageHistory, UsageRange } from '@tessera/contracts';
import { createApp } from '../../src/app.factory';
import { ContainerRuntime } from '../../src/integrations/containers/container-runtime.port';
import { UsageSampler, type PassReport } from '../../src/usage/usage-sampler.service';
import { UsageRepository } from '../../src/usage/usage.repository';
import { UsageHistoryService } from '../../src/usage/usage-history.service';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';
import { TestClock } from '../support/clock';
import { removeTenantObjects } from '../support/engine';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The usage sampler on the real engine and database: the platform's clock is
 * moved, the sampler follows it (a pass per 60-second slot) and reads the
 * real containers' counters. Then the history route, its rules, the
 * roll-ups into 5-minute, hourly and daily points, and retention.
 */
describe('workspace usage', () => {
  const run = randomBytes(3).toString('hex');
  const slugs = [`use-a-${run}`, `use-b-${run}`, `use-c-${run}`];
  const [a, b, c] = slugs as [string, string, string];
  const defaultTenant = `default-${run}`;
  const bearer: Record<string, string> = {};
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let docker: Docker;
  let sampler: UsageSampler;
  /** The slot of the first pass the tests ran: what retention removes at the end. */
  let firstSlot = 0;
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const history = async (slug: string, range = '1h', who = 'owner') => (await call('get', `/tenants/${slug}/workspace/usage?range=${range}`, who).expect(200)).body as UsageHistory;

  /**
   * The history as the route answers it, read through its service: once the
   * clock has moved hours ahead, tokens from dev-idp (10 minutes of real
   * time) are expired for the API. The route itself is called while they hold.
   */
  const view = async (slug: string, range: UsageRange) => t.app.get(UsageHistoryService).history((await t.app.get(TenantsRepository).findBySlug(slug))!, range);
  const tenantIdOf = async (slug: string) => (await t.app.get(TenantsRepository).findBySlug(slug))!.id;

  /** Moves the platform's clock and runs the pass of the new slot. */
  async function nextPass(ms = MINUTE): Promise<PassReport> {
    t.clock.advance(ms);
    return sampler.pass();
  }

  beforeAll(async () => {
    const socket = testEngineSocket();
    docker = new Docker({ socketPath: socket });
    t = await startAppWithDevIdp('workspace_usage', {
      CONTAINER_ENGINE_SOCKET: socket,
      SEED_DEFAULT_TENANT: defaultTenant,
      USAGE_SAMPLE_SECONDS: '60',
      USAGE_RETENTION_DAYS: '3',
      USAGE_CONCURRENCY: '2',
    });
    sampler = t.app.get(UsageSampler);
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const who of ['owner', 'mel', 'otto']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
    }
    for (const slug of slugs) await call('post', '/tenants', 'owner', { slug, name: slug, plan: slug === a ? 'starter' : 'free' }).expect(201);
    await call('post', `/tenants/${a}/members`, 'owner', { email: 'mel@example.test', role: 'member' }).expect(201);
    await call('post', '/tenants', 'otto', { slug: `use-o-${run}`, name: 'Otto' }).expect(201);
    for (const slug of slugs) expect((await provisioned(t, slug, bearer['owner']!)).provisioning['workspace']?.state).toBe('ok');
    // Whatever the app did while starting is over before the first pass a test makes.
    await sampler.settled();
  });
  afterAll(async () => {
    await t.close();
    await removeTenantObjects(docker, [...slugs, `use-o-${run}`, defaultTenant]);
  });

  it('follows the platform’s clock: a pass as soon as it enters a new slot, at most USAGE_CONCURRENCY engine calls at a time', async () => {
    const runtime = t.app.get(ContainerRuntime);
    const usage = runtime.usage.bind(runtime);
    let inFlight = 0;
    let most = 0;
    // The real adapter, counted: how many of its calls a pass makes at once.
    runtime.usage = async (slug) => {
      most = Math.max(most, ++inFlight);
      try {
        return await usage(slug);
      } finally {
        inFlight -= 1;
      }
    };
    try {
      const before = sampler.passes;
      t.clock.advance(MINUTE);
      // The schedule, not the test, runs this pass.
      await until('the sampler runs the pass of the new slot', () => sampler.passes > before);
      await sampler.settled();
      expect(sampler.lastReport).toMatchObject({ skipped: null, failed: 0 });
      expect(sampler.lastReport!.sampled).toBeGreaterThanOrEqual(slugs.length);
      expect(most).toBe(2);
    } finally {
      runtime.usage = usage;
    }
    // From here on the tests run each pass themselves, so none happens in between.
    sampler.stop();
    await sampler.settled();
    firstSlot = sampler.lastReport!.at!;
    await nextPass();
    const points = (await history(a)).points;
    expect(points.length).toBeGreaterThanOrEqual(2);
    const last = points.at(-1)!;
    // Two samples of one run: CPU and traffic are rates now; memory is what the container uses, under its plan's limit.
    expect(last.cpuPercent).not.toBeNull();
    expect(last.rxBytesPerSecond).not.toBeNull();
    expect(last.memoryBytes).toBeGreaterThan(0);
    expect(last.memoryBytes).toBeLessThan(128 * 1024 * 1024);
  });

  it('answers the history with the plan’s limits, to members and operators, and not to another tenant’s people', async () => {
    await nextPass();
    const owner = await history(a);
    expect(owner).toMatchObject({ range: '1h', resolution: 'raw', stepSeconds: 60, sampleSeconds: 60, retentionDays: 3, plan: 'starter', limits: { cpuPercent: 50, memoryBytes: 128 * 1024 * 1024 } });
    expect((await history(b)).limits).toEqual({ cpuPercent: 25, memoryBytes: 64 * 1024 * 1024 });
    expect((await history(a, '1h', 'mel')).points).toEqual(owner.points);
    expect((await history(a, '1h', 'operator')).points).toEqual(owner.points);
    await call('get', `/tenants/${a}/workspace/usage`, 'otto').expect(403);
    await call('get', `/tenants/${a}/workspace/usage?range=1y`, 'owner').expect(400);
  });

  it('counts a restart, and leaves a stopped workspace out', async () => {
    const restartsOf = async (slug: string) => (await history(slug)).points.reduce((sum, point) => sum + point.restarts, 0);
    expect(await restartsOf(b)).toBe(0);
    await call('post', `/tenants/${b}/workspace/restart`, 'owner').expect(200);
    await call('post', `/tenants/${c}/workspace/stop`, 'owner').expect(200);
    const before = (await history(c)).points.length;
    const report = await nextPass();
    expect(await restartsOf(b)).toBe(1);
    expect((await history(c)).points).toHaveLength(before);
    expect(report.sampled).toBe(report.running);
    await call('post', `/tenants/${c}/workspace/start`, 'owner').expect(200);
  });

  it('rolls samples up into 5-minute, hourly and daily points, and draws each range from them', async () => {
    const samplesIn = (view: UsageHistory) => view.points.reduce((sum, point) => sum + point.samples, 0);
    const sampledSoFar = samplesIn(await view(a, '24h'));
    expect(sampledSoFar).toBeGreaterThanOrEqual(4);
    // Six slots: at least one 5-minute period ends, and its points become one.
    for (let i = 0; i < 6; i += 1) expect((await nextPass()).skipped).toBeNull();
    const day = await view(a, '24h');
    expect(day).toMatchObject({ resolution: '5m', stepSeconds: 300 });
    expect(samplesIn(day)).toBe(sampledSoFar + 6);
    expect(Math.max(...day.points.map((point) => point.samples))).toBeGreaterThan(1);
    // A 5-minute point holds at most five 60-second samples.
    expect(Math.max(...day.points.map((point) => point.samples))).toBeLessThanOrEqual(5);
    // An hour later: hourly points, the same samples and one more.
    const hourly = await nextPass(HOUR);
    expect(hourly.rolledUp['1h']).toBeGreaterThanOrEqual(1);
    const week = await view(a, '7d');
    expect(week).toMatchObject({ resolution: '1h', stepSeconds: 3_600 });
    expect(samplesIn(week)).toBe(sampledSoFar + 7);
    // A day later: the day is rolled up and kept for the retention.
    const daily = await nextPass(DAY);
    expect(daily.rolledUp.day).toBeGreaterThanOrEqual(1);
    expect(samplesIn(await view(a, '30d'))).toBe(sampledSoFar + 8);
    const tenantId = await tenantIdOf(a);
    expect(await t.app.get(UsageRepository).findChunk('day', tenantId, Math.floor(firstSlot / DAY) * DAY)).not.toBeNull();
  });

  it('drops the fine points after two days and the history after USAGE_RETENTION_DAYS', async () => {
    const repository = t.app.get(UsageRepository);
    const tenantId = await tenantIdOf(a);
    expect(await repository.findPass(firstSlot)).not.toBeNull();
    const report = await nextPass(3 * DAY);
    expect(report.droppedPartitions).toBeGreaterThan(0);
    expect(await repository.findPass(firstSlot)).toBeNull();
    expect(await repository.findChunk('day', tenantId, Math.floor(firstSlot / DAY) * DAY)).toBeNull();
    const month = await view(a, '30d');
    // A range never reaches past the retention.
    expect(month.from).toBe(new Date(Date.parse(month.to) - 3 * DAY).toISOString());
  });

  it('samples a slot once when two API processes share the database', async () => {
    // A second process: another app on the same database and engine, its clock moved alike.
    const clock = new TestClock();
    const second = await createApp(t.config, { clock });
    const other = second.get(UsageSampler);
    other.stop();
    clock.advance(t.clock.now().getTime() - Date.now());
    try {
      await other.settled();
      t.clock.advance(MINUTE);
      clock.advance(MINUTE);
      const reports = await Promise.all([sampler.pass(), other.pass()]);
      expect(reports.filter((report) => report.skipped === null)).toHaveLength(1);
      expect(reports.find((report) => report.skipped !== null)!.skipped).toMatch(/another process is sampling|sampled already/);
      // The slot's samples, once each.
      const points = (await view(a, '1h')).points;
      expect(new Set(points.map((point) => point.at)).size).toBe(points.length);
      expect(points).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
