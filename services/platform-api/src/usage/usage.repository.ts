import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Connection } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import type { PointValues, UsageCounters } from './usage-math';

/** A point as stored: its time in ms and its values. */
export type StoredPoint = PointValues & { at: number };

/** One workspace's sample in a pass: its point and the engine's counters, for the next pass's rates. */
export interface PassSample {
  point: StoredPoint;
  counters: UsageCounters;
}

/** One pass over every running workspace: what each answered, by tenant id. */
export interface UsagePass {
  at: number;
  samples: Record<string, PassSample>;
}

/** A period rolled up: its aggregate for every workspace that had samples in it, by tenant id. */
export interface UsagePeriod {
  at: number;
  points: Record<string, StoredPoint>;
}

/** One workspace's rolled-up period: the points it is made of, and its aggregate. */
export interface UsageChunk {
  at: number;
  /** 5-minute chunk: the raw samples; hour: its 5-minute points; day: its hourly points. */
  points: StoredPoint[];
  point: StoredPoint | null;
}

/**
 * Where the sampler stands: the last pass, and how far each roll-up got. Every
 * pass at or after `closed5m` is in `pendingSlots` (not yet in 5-minute
 * chunks); every non-empty 5-minute bucket in [closed1h, closed5m) is in
 * `pending5m`; every non-empty hour in [closedDay, closed1h) in `pendingHours`.
 * `days` lists the days kept in the long-term collection.
 */
export interface UsageState {
  lastPass: number | null;
  closed5m: number | null;
  closed1h: number | null;
  closedDay: number | null;
  pendingSlots: number[];
  pending5m: number[];
  pendingHours: number[];
  days: number[];
}

export const EMPTY_STATE: UsageState = { lastPass: null, closed5m: null, closed1h: null, closedDay: null, pendingSlots: [], pending5m: [], pendingHours: [], days: [] };

export type ChunkKind = '5m' | '1h' | 'day';

/** Every document here has a computed string id. */
interface Row {
  _id: string;
  [field: string]: unknown;
}

const PARTITION_PREFIX = 'workspace_usage_';
const DAYS = 'workspace_usage_days';
const STATE = 'workspace_usage_sampler';

/**
 * Usage history, laid out for a database that looks documents up quickly
 * only by `_id`: FerretDB v1 scans the whole collection for any other filter,
 * `$in` on `_id` included (measured: 18 s for 60 ids among 60,000 documents,
 * while an insert of 500 documents took 150 ms). So every read here is a
 * lookup by an `_id` the caller can compute, and every write an insert:
 *
 * - `workspace_usage_<yyyymmdd>`, one collection per UTC day, dropped whole
 *   after two days: `pass:<time>` (one per pass, every workspace's sample),
 *   `5m:<time>` and `1h:<time>` (every workspace's aggregate of the period),
 *   `<tenant>:5m:<time>` (a workspace's raw samples of 5 minutes) and
 *   `<tenant>:1h:<time>` (its 5-minute points of an hour);
 * - `workspace_usage_days`: `<tenant>:day:<time>` (a workspace's hourly
 *   points of a day) and `day:<time>` (which workspaces have one), removed
 *   one by one after USAGE_RETENTION_DAYS;
 * - `workspace_usage_sampler`: the sampler's state, one document.
 *
 * The same layout serves MongoDB, where it costs the same few lookups.
 */
@Injectable()
export class UsageRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async state(): Promise<UsageState> {
    const row = await this.collection(STATE).findOne({ _id: 'sampler' });
    return row ? { ...EMPTY_STATE, ...(row as unknown as UsageState) } : { ...EMPTY_STATE };
  }

  async saveState(state: UsageState): Promise<void> {
    await this.collection(STATE).replaceOne({ _id: 'sampler' }, { ...state }, { upsert: true });
  }

  /** Stores a pass; false when a pass of that time is stored already (another process took it). */
  async insertPass(pass: UsagePass): Promise<boolean> {
    try {
      await this.partition(pass.at).insertOne({ _id: `pass:${iso(pass.at)}`, ...pass });
      return true;
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async findPass(at: number): Promise<UsagePass | null> {
    return (await this.partition(at).findOne({ _id: `pass:${iso(at)}` })) as UsagePass | null;
  }

  /** Stores a rolled-up period: every workspace's chunk and the period's aggregates, in one batch. Writing it twice changes nothing. */
  async insertPeriod(kind: ChunkKind, period: UsagePeriod, chunks: Map<string, UsageChunk>): Promise<void> {
    const rows: Row[] = [...chunks].map(([tenantId, chunk]) => ({ _id: chunkId(kind, tenantId, period.at), ...chunk }));
    rows.push({ _id: `${kind}:${iso(period.at)}`, ...(kind === 'day' ? { at: period.at, tenants: Object.keys(period.points) } : period) });
    const target = kind === 'day' ? this.collection(DAYS) : this.partition(period.at);
    try {
      await target.insertMany(rows, { ordered: false });
    } catch (error: unknown) {
      // A roll-up repeated after a crash: what is there already stays.
      const errors = (error as { writeErrors?: unknown[] }).writeErrors;
      if (!isDuplicateKeyError(error) && !(Array.isArray(errors) && errors.every(isDuplicateKeyError))) throw error;
    }
  }

  /** Every workspace's aggregates of a 5-minute or hourly period. */
  async findPeriod(kind: Exclude<ChunkKind, 'day'>, at: number): Promise<UsagePeriod | null> {
    return (await this.partition(at).findOne({ _id: `${kind}:${iso(at)}` })) as UsagePeriod | null;
  }

  async findChunk(kind: ChunkKind, tenantId: string, at: number): Promise<UsageChunk | null> {
    const target = kind === 'day' ? this.collection(DAYS) : this.partition(at);
    return (await target.findOne({ _id: chunkId(kind, tenantId, at) })) as UsageChunk | null;
  }

  /** Removes a day from the long-term collection: each workspace's document, then the day's list. */
  async removeDay(at: number): Promise<void> {
    const days = this.collection(DAYS);
    const index = (await days.findOne({ _id: `day:${iso(at)}` })) as { tenants?: string[] } | null;
    // One by one: a delete by `_id` is a lookup, a delete of several (`$in`) a scan on FerretDB v1.
    for (const tenantId of index?.tenants ?? []) await days.deleteOne({ _id: chunkId('day', tenantId, at) });
    await days.deleteOne({ _id: `day:${iso(at)}` });
  }

  /** Drops the daily collections of days before `before` (raw samples, 5-minute and hourly points). */
  async dropPartitionsBefore(before: number): Promise<string[]> {
    const cutoff = partitionName(before);
    const names = (await this.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name);
    const old = names.filter((name) => /^workspace_usage_\d{8}$/.test(name) && name < cutoff);
    for (const name of old) await this.connection.db!.dropCollection(name).catch(() => undefined);
    return old;
  }

  private partition(at: number): Collection<Row> {
    return this.collection(partitionName(at));
  }

  private collection(name: string): Collection<Row> {
    return this.connection.collection<Row>(name);
  }
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

function chunkId(kind: ChunkKind, tenantId: string, at: number): string {
  return `${tenantId}:${kind}:${iso(at)}`;
}

/** The daily collection a time falls in. */
export function partitionName(at: number): string {
  return `${PARTITION_PREFIX}${iso(at).slice(0, 10).replaceAll('-', '')}`;
}
