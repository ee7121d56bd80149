import type { UsagePoint, UsageRange } from '@tessera/contracts';
import type { WorkspaceUsage } from '../integrations/containers/container-runtime.port';

/** How finely usage is kept: each sample, or the averages of 5 minutes or an hour. */
export type UsageResolution = 'raw' | '5m' | '1h';

export const RESOLUTION_MS: Record<Exclude<UsageResolution, 'raw'>, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };
const RANGE_MS: Record<UsageRange, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const RANGE_RESOLUTION: Record<UsageRange, UsageResolution> = { '1h': 'raw', '24h': '5m', '7d': '1h', '30d': '1h' };

/** What a range is drawn from: about 60 to 720 points whatever the range. */
export function rangePlan(range: UsageRange): { ms: number; resolution: UsageResolution } {
  return { ms: RANGE_MS[range], resolution: RANGE_RESOLUTION[range] };
}

/** The start of the bucket `at` falls in. */
export function bucketStart(at: number, resolution: Exclude<UsageResolution, 'raw'>): number {
  return Math.floor(at / RESOLUTION_MS[resolution]) * RESOLUTION_MS[resolution];
}

/** The counters a sample keeps so that the next one can be turned into rates. */
export interface UsageCounters {
  at: number;
  containerId: string;
  startedAt: string;
  restartCount: number;
  cpuNs: number;
  systemCpuNs: number;
  rxBytes: number;
  txBytes: number;
}

/** One stored point's values (the averages and peaks of what it covers) and how many samples made it. */
export type PointValues = Omit<UsagePoint, 'at'>;

/**
 * One sample's point, from what the engine answered now and the workspace's
 * previous sample (of the previous pass; none after a gap). CPU in % of one
 * core, as `docker stats` computes it (the container's CPU time over the
 * host's, times its cores), else over the wall time; traffic in bytes per
 * second. Without a previous sample of the same run of the container there is
 * no rate: CPU and traffic are null. A restart is a container that started
 * again since the previous sample (a new container, a new start time, or the
 * engine's restart count grown).
 */
export function pointOf(now: WorkspaceUsage, at: number, previous: UsageCounters | null): PointValues {
  const sameRun = previous !== null && previous.containerId === now.containerId && previous.startedAt === now.startedAt;
  let restarts = 0;
  if (previous && !sameRun) restarts = previous.containerId === now.containerId ? Math.max(1, now.restartCount - previous.restartCount) : 1;
  let cpuPercent: number | null = null;
  let rx: number | null = null;
  let tx: number | null = null;
  if (sameRun && at > previous.at) {
    const cpu = now.cpuNs - previous.cpuNs;
    const system = now.systemCpuNs - previous.systemCpuNs;
    const seconds = (at - previous.at) / 1_000;
    if (cpu >= 0) cpuPercent = round(system > 0 ? (cpu / system) * Math.max(1, now.onlineCpus) * 100 : (cpu / 1e9 / seconds) * 100, 2);
    if (now.rxBytes >= previous.rxBytes) rx = round((now.rxBytes - previous.rxBytes) / seconds, 1);
    if (now.txBytes >= previous.txBytes) tx = round((now.txBytes - previous.txBytes) / seconds, 1);
  }
  return {
    cpuPercent,
    cpuPercentMax: cpuPercent,
    memoryBytes: now.memoryBytes,
    memoryBytesMax: now.memoryBytes,
    rxBytesPerSecond: rx,
    txBytesPerSecond: tx,
    restarts,
    samples: 1,
  };
}

export function countersOf(now: WorkspaceUsage, at: number): UsageCounters {
  return { at, containerId: now.containerId, startedAt: now.startedAt, restartCount: now.restartCount, cpuNs: now.cpuNs, systemCpuNs: now.systemCpuNs, rxBytes: now.rxBytes, txBytes: now.txBytes };
}

/**
 * Several points as one: averages weighted by how many samples each point
 * holds (CPU over the samples that had a CPU reading), the highest peaks,
 * the restarts added up.
 */
export function combine(points: PointValues[]): PointValues {
  let samples = 0;
  let memory = 0;
  let memoryMax = 0;
  let cpuMax: number | null = null;
  let restarts = 0;
  const cpu = new WeightedMean();
  const rx = new WeightedMean();
  const tx = new WeightedMean();
  for (const point of points) {
    samples += point.samples;
    memory += point.memoryBytes * point.samples;
    memoryMax = Math.max(memoryMax, point.memoryBytesMax);
    restarts += point.restarts;
    cpu.add(point.cpuPercent, point.samples);
    rx.add(point.rxBytesPerSecond, point.samples);
    tx.add(point.txBytesPerSecond, point.samples);
    if (point.cpuPercentMax !== null) cpuMax = Math.max(cpuMax ?? 0, point.cpuPercentMax);
  }
  if (samples === 0) throw new Error('nothing to combine');
  return {
    cpuPercent: cpu.value(2),
    cpuPercentMax: cpuMax,
    memoryBytes: Math.round(memory / samples),
    memoryBytesMax: memoryMax,
    rxBytesPerSecond: rx.value(1),
    txBytesPerSecond: tx.value(1),
    restarts,
    samples,
  };
}

/** Points of one workspace, grouped into the buckets of `resolution` and combined; oldest first. */
export function downsample<T extends PointValues & { at: number }>(points: T[], resolution: Exclude<UsageResolution, 'raw'>): (PointValues & { at: number })[] {
  const buckets = new Map<number, T[]>();
  for (const point of points) {
    const start = bucketStart(point.at, resolution);
    const bucket = buckets.get(start);
    if (bucket) bucket.push(point);
    else buckets.set(start, [point]);
  }
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([at, bucket]) => ({ at, ...combine(bucket) }));
}

/** A mean weighted by sample counts, over the values that are there (a rate is missing after a gap). */
class WeightedMean {
  private sum = 0;
  private weight = 0;
  add(value: number | null, weight: number): void {
    if (value === null) return;
    this.sum += value * weight;
    this.weight += weight;
  }
  value(digits: number): number | null {
    return this.weight > 0 ? round(this.sum / this.weight, digits) : null;
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
