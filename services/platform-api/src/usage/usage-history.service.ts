import { Injectable } from '@nestjs/common';
import type { UsageHistory, UsagePoint, UsageRange } from '@tessera/contracts';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { PlanCatalog } from '../plans/plan-catalog.service';
import type { TenantRecord } from '../tenants/tenant.schema';
import { bucketStart, downsample, rangePlan, RESOLUTION_MS } from './usage-math';
import { type ChunkKind, type StoredPoint, type UsageChunk, type UsagePass, UsageRepository } from './usage.repository';

const DAY_MS = 86_400_000;
/** Chunks kept in memory once read: what is stored never changes, so a chart drawn again costs no lookup. A day's chunk is about 3 KB. */
const CACHE_ENTRIES = 10_000;
/** Passes kept: each holds every workspace's sample (about 100 KB at 500), and only the last few minutes' are read. */
const PASS_ENTRIES = 32;

/**
 * A workspace's usage over a range, at the resolution the range is drawn
 * at: samples for the last hour, 5-minute points for a day, hourly points
 * beyond. What has been rolled up is read from its chunks; what has not yet
 * (the current 5 minutes, hour or day) is made from the finer points on the
 * fly, so the newest point is always there.
 */
@Injectable()
export class UsageHistoryService {
  private readonly cache = new Map<string, unknown>();
  private readonly passes = new Map<string, unknown>();

  constructor(
    private readonly usage: UsageRepository,
    private readonly config: AppConfig,
    private readonly catalog: PlanCatalog,
    private readonly clock: Clock,
  ) {}

  async history(tenant: TenantRecord, range: UsageRange): Promise<UsageHistory> {
    const now = this.clock.now().getTime();
    const plan = rangePlan(range);
    const from = now - Math.min(plan.ms, this.config.usage.retentionDays * DAY_MS);
    const state = await this.usage.state();
    const id = tenant.id;
    const closed5m = state.closed5m ?? now;
    const closed1h = state.closed1h ?? now;
    const closedDay = state.closedDay ?? now;

    // Samples not yet in a 5-minute chunk.
    const open = (await Promise.all(state.pendingSlots.filter((at) => at >= from).map((at) => this.pass(at)))).flatMap((pass) => (pass?.samples[id] ? [pass.samples[id].point] : []));
    let points: StoredPoint[];
    if (plan.resolution === 'raw') {
      const chunks = await this.chunks('5m', id, steps(bucketStart(from, '5m'), closed5m, RESOLUTION_MS['5m']));
      points = [...chunks.flatMap((chunk) => chunk.points), ...open];
    } else if (plan.resolution === '5m') {
      const hours = await this.chunks('1h', id, steps(bucketStart(from, '1h'), closed1h, RESOLUTION_MS['1h']));
      const fives = await this.chunks('5m', id, state.pending5m);
      points = [...hours.flatMap((chunk) => chunk.points), ...fives.flatMap((chunk) => (chunk.point ? [chunk.point] : [])), ...downsample(open, '5m')];
    } else {
      const days = await this.chunks('day', id, steps(Math.floor(from / DAY_MS) * DAY_MS, closedDay, DAY_MS));
      const hours = await this.chunks('1h', id, state.pendingHours);
      const fives = await this.chunks('5m', id, state.pending5m);
      const finer = [...hours.flatMap((chunk) => (chunk.point ? [chunk.point] : [])), ...fives.flatMap((chunk) => (chunk.point ? [chunk.point] : [])), ...open];
      points = [...days.flatMap((chunk) => chunk.points), ...downsample(finer, '1h')];
    }
    const { limits } = await this.catalog.get(tenant.plan);
    return {
      range,
      resolution: plan.resolution,
      stepSeconds: plan.resolution === 'raw' ? Math.round(this.config.usage.sampleMs / 1_000) : RESOLUTION_MS[plan.resolution] / 1_000,
      from: new Date(from).toISOString(),
      to: new Date(now).toISOString(),
      sampleSeconds: Math.round(this.config.usage.sampleMs / 1_000),
      retentionDays: this.config.usage.retentionDays,
      plan: tenant.plan,
      limits: { cpuPercent: limits.cpus * 100, memoryBytes: limits.memoryMb * 1024 * 1024 },
      points: points
        .filter((point) => point.at >= bucketFloor(from, plan.resolution))
        .sort((a, b) => a.at - b.at)
        .map(toUsagePoint),
    };
  }

  private async pass(at: number): Promise<UsagePass | null> {
    return this.cached(this.passes, PASS_ENTRIES, `pass:${at}`, () => this.usage.findPass(at));
  }

  private async chunks(kind: ChunkKind, tenantId: string, starts: number[]): Promise<UsageChunk[]> {
    const found = await Promise.all(starts.map((at) => this.cached(this.cache, CACHE_ENTRIES, `${kind}:${tenantId}:${at}`, () => this.usage.findChunk(kind, tenantId, at))));
    return found.filter((chunk): chunk is UsageChunk => chunk !== null);
  }

  /** What is stored never changes (a period is rolled up once), so answers are kept, absent ones too. */
  private async cached<T>(cache: Map<string, unknown>, size: number, key: string, read: () => Promise<T>): Promise<T> {
    if (cache.has(key)) return cache.get(key) as T;
    const value = await read();
    if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
    return value;
  }
}

/** The starts of the periods of `step` from `from` (a period start) up to `until` (exclusive). */
function steps(from: number, until: number, step: number): number[] {
  const starts: number[] = [];
  for (let at = from; at < until; at += step) starts.push(at);
  return starts;
}

function bucketFloor(at: number, resolution: 'raw' | '5m' | '1h'): number {
  return resolution === 'raw' ? at : bucketStart(at, resolution);
}

function toUsagePoint(point: StoredPoint): UsagePoint {
  return {
    at: new Date(point.at).toISOString(),
    cpuPercent: point.cpuPercent,
    cpuPercentMax: point.cpuPercentMax,
    memoryBytes: point.memoryBytes,
    memoryBytesMax: point.memoryBytesMax,
    rxBytesPerSecond: point.rxBytesPerSecond,
    txBytesPerSecond: point.txBytesPerSecond,
    restarts: point.restarts,
    samples: point.samples,
  };
}
