import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import { IntegrationDisabled } from '../integrations/integration-error';
import { LeaseRepository } from '../provisioning/lease.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { bucketStart, combine, countersOf, pointOf, RESOLUTION_MS, type UsageCounters } from './usage-math';
import { type ChunkKind, type PassSample, type StoredPoint, type UsageChunk, type UsagePass, UsageRepository, type UsageState } from './usage.repository';

const LEASE = 'usage-sampler';
const DAY_MS = 86_400_000;
/** Daily collections (raw samples, 5-minute and hourly points) are dropped once this old. */
const PARTITION_KEEP_MS = 2 * DAY_MS;
/** A previous sample older than this (or than two and a half intervals) gives no rate: the workspace was not sampled in between. */
const MAX_RATE_GAP_MS = 5 * 60_000;

/** How many sample intervals back a workspace the last pass did not sample is looked for (previousCounters). */
const RESTART_LOOKBACK_INTERVALS = 3;

/**
 * Each workspace's counters from the newest of these passes (newest first)
 * that sampled it.
 */
export function latestCounters(passes: (Pick<UsagePass, 'samples'> | null)[]): Map<string, UsageCounters> {
  const counters = new Map<string, UsageCounters>();
  for (const pass of passes) {
    for (const [tenantId, sample] of Object.entries(pass?.samples ?? {})) if (!counters.has(tenantId)) counters.set(tenantId, sample.counters);
  }
  return counters;
}

/** What one pass did, for logs, tests and the benchmark. */
export interface PassReport {
  /** The pass's time slot (ms), or null when it did not run. */
  at: number | null;
  skipped: string | null;
  running: number;
  sampled: number;
  failed: number;
  /** Workspaces not asked because the pass ran out of time (the next pass asks them first). */
  leftOut: number;
  rolledUp: { '5m': number; '1h': number; day: number };
  droppedPartitions: number;
  durationMs: number;
}

/**
 * Samples every running workspace's CPU, memory, network and restarts at a
 * fixed interval (USAGE_SAMPLE_SECONDS) and keeps them with downsampling.
 *
 * A pass is one bounded piece of work: one engine call lists the workspaces,
 * then at most USAGE_CONCURRENCY engine calls at a time read their counters,
 * and no new one starts once the interval has passed; the samples are stored
 * in one insert. Passes never overlap: in one process a pass that is still
 * running when the next is due is that pass; across processes a lease in
 * the database lets one process sample at a time, and a pass's time slot is
 * stored under a unique id, so a slot is sampled once however many processes
 * run. The schedule follows the platform's Clock (a check every second, or
 * every quarter interval when shorter), so tests move a TestClock instead of
 * waiting.
 *
 * Roll-ups happen in the pass that follows a period's end: 5-minute chunks
 * from the passes, hours from the 5-minute points, days from the hours; then
 * the daily collections older than two days are dropped and days older than
 * USAGE_RETENTION_DAYS removed.
 */
@Injectable()
export class UsageSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UsageSampler.name);
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PassReport> | null = null;
  /** The last slot this process saw sampled (by itself or another): the next pass is due after it. */
  private lastSlot = -Infinity;
  /** This process's last pass: its counters serve the next pass's rates, its samples the next roll-up. */
  private readonly recent = new Map<number, UsagePass>();
  /** Workspaces left out of a pass that ran out of time: asked first next time. */
  private leftOut: string[] = [];
  /** Passes this process ran to the end (tests and the benchmark wait on it). */
  passes = 0;
  lastReport: PassReport | null = null;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly tenants: TenantsRepository,
    private readonly usage: UsageRepository,
    private readonly leases: LeaseRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.settled();
  }

  /** Follows the schedule: a pass as soon as the clock enters a new slot (USAGE_SAMPLE_SECONDS; 0: never). */
  start(): void {
    const interval = this.config.usage.sampleMs;
    if (interval <= 0 || this.timer) return;
    this.timer = setInterval(() => this.tick(), Math.min(1_000, Math.max(50, interval / 4)));
    this.timer.unref();
  }

  /** Stops following the schedule; `pass()` still runs one. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The slot a time falls in: passes happen once per slot, at its start. */
  slotOf(at: number): number {
    const interval = this.config.usage.sampleMs;
    return interval > 0 ? Math.floor(at / interval) * interval : at;
  }

  /** Runs a pass now (or answers the one under way). */
  pass(): Promise<PassReport> {
    this.running ??= this.runPass().finally(() => (this.running = null));
    return this.running;
  }

  /** Resolves once no pass is running. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private tick(): void {
    if (this.running || this.slotOf(this.clock.now().getTime()) <= this.lastSlot) return;
    void this.pass();
  }

  private async runPass(): Promise<PassReport> {
    const started = this.clock.monotonic();
    const now = this.clock.now().getTime();
    const slot = this.slotOf(now);
    const report: PassReport = { at: null, skipped: null, running: 0, sampled: 0, failed: 0, leftOut: 0, rolledUp: { '5m': 0, '1h': 0, day: 0 }, droppedPartitions: 0, durationMs: 0 };
    const done = (skipped: string | null) => {
      report.skipped = skipped;
      report.durationMs = Math.round(this.clock.monotonic() - started);
      this.lastReport = report;
      if (skipped === null) this.passes += 1;
      return report;
    };
    // Held for at most two intervals: a process that died mid-pass holds up the others that long.
    const leaseMs = Math.max(2 * this.config.usage.sampleMs, 60_000);
    try {
      if (!(await this.leases.acquire(LEASE, this.holder, leaseMs))) return done('another process is sampling');
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'usage sampling: the lease could not be taken');
      return done('the database did not answer');
    }
    try {
      const state = await this.usage.state();
      if (state.lastPass !== null && state.lastPass >= slot) {
        this.lastSlot = state.lastPass;
        return done('sampled already');
      }
      let states: Map<string, string>;
      try {
        states = await this.runtime.workspaceStates();
      } catch (error: unknown) {
        this.lastSlot = slot;
        if (error instanceof IntegrationDisabled) return done('no container engine');
        this.logger.warn({ err: error }, 'usage sampling: the engine did not list its workspaces');
        return done('the container engine did not answer');
      }
      const running = new Set([...states].filter(([, state]) => state === 'running').map(([tenantId]) => tenantId));
      const tenants = (await this.tenants.listAll()).filter((tenant) => running.has(tenant.id) && tenant.status !== 'terminated');
      report.running = tenants.length;
      // Those left out last time go first.
      const first = new Set(this.leftOut);
      tenants.sort((a, b) => Number(first.has(b.id)) - Number(first.has(a.id)));

      const previous = await this.previousCounters(state, slot);
      const samples: Record<string, PassSample> = {};
      const deadline = started + Math.max(this.config.usage.sampleMs, 1_000);
      const leftOut = await eachLimited(
        tenants,
        this.config.usage.concurrency,
        () => this.clock.monotonic() < deadline,
        async (tenant) => {
          try {
            const usage = await this.runtime.usage({ tenantId: tenant.id, slug: tenant.slug });
            if (!usage) return;
            const before = previous.get(tenant.id) ?? null;
            const usable = before && slot - before.at <= Math.max(MAX_RATE_GAP_MS, 2.5 * this.config.usage.sampleMs) ? before : null;
            samples[tenant.id] = { point: { at: slot, ...pointOf(usage, slot, usable) }, counters: countersOf(usage, slot) };
            report.sampled += 1;
          } catch (error: unknown) {
            report.failed += 1;
            this.logger.debug({ err: error, tenant: tenant.slug }, 'usage sampling: a workspace did not answer');
          }
        },
      );
      this.leftOut = leftOut.map((tenant) => tenant.id);
      report.leftOut = leftOut.length;

      const pass: UsagePass = { at: slot, samples };
      if (!(await this.usage.insertPass(pass))) {
        this.lastSlot = slot;
        return done('sampled already');
      }
      this.remember(pass);
      this.lastSlot = slot;
      report.at = slot;
      state.lastPass = slot;
      state.pendingSlots.push(slot);
      state.closed5m ??= bucketStart(slot, '5m');
      state.closed1h ??= bucketStart(slot, '1h');
      state.closedDay ??= Math.floor(slot / DAY_MS) * DAY_MS;
      await this.rollUp(state, now, report);
      await this.usage.saveState(state);
      return done(null);
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'usage sampling pass failed');
      return done('the pass failed');
    } finally {
      await this.leases.release(LEASE, this.holder).catch(() => undefined);
    }
  }

  /**
   * Each workspace's counters of the last pass, or of a pass shortly before
   * it (within RESTART_LOOKBACK_INTERVALS intervals, at least 30 s) when the
   * last one did not sample it: a workspace that was restarting during a
   * pass, or that a pass left out, is compared with its sample before, so its
   * restart is still counted. Passes are this process's own, else read back
   * (another process ran them).
   */
  private async previousCounters(state: UsageState, slot: number): Promise<Map<string, UsageCounters>> {
    if (state.lastPass === null) return new Map();
    const lookback = Math.max(RESTART_LOOKBACK_INTERVALS * this.config.usage.sampleMs, 30_000);
    const slots = [...new Set([state.lastPass, ...state.pendingSlots, ...this.recent.keys()])].filter((at) => at === state.lastPass || (at < slot && slot - at <= lookback));
    slots.sort((a, b) => b - a);
    return latestCounters(await Promise.all(slots.map(async (at) => this.recent.get(at) ?? (await this.usage.findPass(at)))));
  }

  private remember(pass: UsagePass): void {
    this.recent.set(pass.at, pass);
    // Kept until they are rolled up into 5-minute chunks, plus the last one.
    const keepFrom = bucketStart(pass.at, '5m') - RESOLUTION_MS['5m'];
    for (const at of this.recent.keys()) if (at < keepFrom) this.recent.delete(at);
  }

  /** Every period that has ended since the last pass, finest first; then what is past its retention. */
  private async rollUp(state: UsageState, now: number, report: PassReport): Promise<void> {
    // 5-minute chunks, from the passes.
    const endOf5m = bucketStart(now, '5m');
    const buckets = groupBy(state.pendingSlots.filter((at) => at < endOf5m), (at) => bucketStart(at, '5m'));
    for (const [bucket, slots] of buckets) {
      const passes = await Promise.all(slots.map(async (at) => this.recent.get(at) ?? (await this.usage.findPass(at))));
      const points = new Map<string, StoredPoint[]>();
      for (const pass of passes) for (const [tenantId, sample] of Object.entries(pass?.samples ?? {})) push(points, tenantId, sample.point);
      await this.storePeriod('5m', bucket, points);
      if (points.size > 0) state.pending5m.push(bucket);
      report.rolledUp['5m'] += 1;
    }
    state.pendingSlots = state.pendingSlots.filter((at) => at >= endOf5m);
    state.closed5m = Math.max(state.closed5m ?? endOf5m, endOf5m);

    // Hours, from the 5-minute points.
    const endOfHour = bucketStart(now, '1h');
    for (const [start, fives] of groupBy(state.pending5m.filter((at) => at < endOfHour), (at) => bucketStart(at, '1h'))) {
      const points = new Map<string, StoredPoint[]>();
      for (const period of await Promise.all(fives.map((at) => this.usage.findPeriod('5m', at)))) {
        for (const [tenantId, point] of Object.entries(period?.points ?? {})) push(points, tenantId, point);
      }
      await this.storePeriod('1h', start, points);
      if (points.size > 0) state.pendingHours.push(start);
      report.rolledUp['1h'] += 1;
    }
    state.pending5m = state.pending5m.filter((at) => at >= endOfHour);
    state.closed1h = Math.max(state.closed1h ?? endOfHour, endOfHour);

    // Days, from the hours: kept for the retention.
    const endOfDay = Math.floor(now / DAY_MS) * DAY_MS;
    for (const [start, hours] of groupBy(state.pendingHours.filter((at) => at < endOfDay), (at) => Math.floor(at / DAY_MS) * DAY_MS)) {
      const points = new Map<string, StoredPoint[]>();
      for (const period of await Promise.all(hours.map((at) => this.usage.findPeriod('1h', at)))) {
        for (const [tenantId, point] of Object.entries(period?.points ?? {})) push(points, tenantId, point);
      }
      await this.storePeriod('day', start, points);
      if (points.size > 0) state.days.push(start);
      report.rolledUp.day += 1;
    }
    state.pendingHours = state.pendingHours.filter((at) => at >= endOfDay);
    state.closedDay = Math.max(state.closedDay ?? endOfDay, endOfDay);

    // Retention.
    report.droppedPartitions = (await this.usage.dropPartitionsBefore(now - PARTITION_KEEP_MS)).length;
    const keepDaysFrom = now - this.config.usage.retentionDays * DAY_MS;
    for (const day of state.days.filter((at) => at + DAY_MS <= keepDaysFrom)) await this.usage.removeDay(day);
    state.days = state.days.filter((at) => at + DAY_MS > keepDaysFrom);
  }

  /** A period's chunk for every workspace that had points in it, and its aggregates. */
  private async storePeriod(kind: ChunkKind, at: number, points: Map<string, StoredPoint[]>): Promise<void> {
    if (points.size === 0) return;
    const chunks = new Map<string, UsageChunk>();
    const aggregates: Record<string, StoredPoint> = {};
    for (const [tenantId, list] of points) {
      list.sort((a, b) => a.at - b.at);
      const point = { at, ...combine(list) };
      chunks.set(tenantId, { at, points: list, point });
      aggregates[tenantId] = point;
    }
    await this.usage.insertPeriod(kind, { at, points: aggregates }, chunks);
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function groupBy(values: number[], key: (value: number) => number): [number, number[]][] {
  const groups = new Map<number, number[]>();
  for (const value of values) {
    const list = groups.get(key(value));
    if (list) list.push(value);
    else groups.set(key(value), [value]);
  }
  return [...groups].sort(([a], [b]) => a - b);
}

/**
 * Runs `work` on the items, at most `limit` at a time, starting none once
 * `mayStart` says no. Answers the items it did not start.
 */
export async function eachLimited<T>(items: T[], limit: number, mayStart: () => boolean, work: (item: T) => Promise<void>): Promise<T[]> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && mayStart()) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return items.slice(next);
}
