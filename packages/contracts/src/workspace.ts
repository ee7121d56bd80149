import type { Plan } from './tenants';

/** One line a workspace printed, as the API streams it. Tessera never stores these. */
export interface LogLine {
  /** When the engine received it: RFC 3339 with nanoseconds, as the engine writes it. */
  at: string;
  stream: 'stdout' | 'stderr';
  text: string;
  /** The line was longer than the API passes on; the rest was dropped. */
  truncated?: true;
}

/** Most lines one request for a workspace's logs answers. */
export const LOG_TAIL_MAX = 2_000;

export const USAGE_RANGES = ['1h', '24h', '7d', '30d'] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

/** One point of a workspace's usage: the averages (and peaks) of the samples it covers. */
export interface UsagePoint {
  /** The start of the period the point covers. */
  at: string;
  /** CPU in % of one core: the average over the period, and the highest sample. */
  cpuPercent: number | null;
  cpuPercentMax: number | null;
  memoryBytes: number;
  memoryBytesMax: number;
  /** Network traffic into and out of the workspace, bytes per second over the period (null: no two samples of one run to tell). */
  rxBytesPerSecond: number | null;
  txBytesPerSecond: number | null;
  /** How often the workspace (re)started during the period. */
  restarts: number;
  /** How many samples the point is made of. */
  samples: number;
}

/** A workspace's usage history over a range, and the limits of its plan. */
export interface UsageHistory {
  range: UsageRange;
  /** How the samples were kept for this range: raw samples, 5-minute or hourly buckets. */
  resolution: 'raw' | '5m' | '1h';
  /** The length of one point, in seconds. */
  stepSeconds: number;
  from: string;
  to: string;
  /** How often workspaces are sampled (USAGE_SAMPLE_SECONDS); 0 when sampling is off. */
  sampleSeconds: number;
  retentionDays: number;
  plan: Plan;
  /** The plan's limits: CPU in % of one core, memory in bytes. */
  limits: { cpuPercent: number; memoryBytes: number };
  points: UsagePoint[];
}
