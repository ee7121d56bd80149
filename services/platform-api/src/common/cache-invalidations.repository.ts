import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Connection } from 'mongoose';

/** One write's invalidation, as every API process reads it. */
export interface CacheInvalidation {
  id: string;
  /** The process that wrote it (it dropped its own entries at once). */
  origin: string;
  keys: string[];
  prefixes: string[];
  /** Wall-clock time of the write, comparable across processes. */
  at: Date;
}

interface Row {
  origin: string;
  keys: string[];
  prefixes: string[];
  at: Date;
}

/**
 * The cache keys each write changed, in `cache_invalidations`, so that every
 * API process drops them from its read caches (CacheBus). Rows are kept a
 * few minutes: a process that has not read them for longer drops its whole
 * cache instead.
 */
@Injectable()
export class CacheInvalidationsRepository {
  private readonly rows: Collection<Row>;
  private indexed: Promise<unknown> | null = null;

  constructor(@InjectConnection() connection: Connection) {
    this.rows = connection.collection<Row>('cache_invalidations');
  }

  async append(invalidation: Omit<CacheInvalidation, 'id'>): Promise<void> {
    // Serves since(): rows.find({ at: { $gte } }).
    this.indexed ??= this.rows.createIndex({ at: 1 }).catch(() => (this.indexed = null));
    await this.rows.insertOne({ ...invalidation });
  }

  /** Rows written at or after `from`, oldest first. */
  async since(from: Date): Promise<CacheInvalidation[]> {
    const rows = await this.rows.find({ at: { $gte: from } }).sort({ at: 1 }).limit(5_000).toArray();
    return rows.map((row) => ({ id: row._id.toHexString(), origin: row.origin, keys: row.keys, prefixes: row.prefixes, at: row.at }));
  }

  async removeOlderThan(before: Date): Promise<void> {
    await this.rows.deleteMany({ at: { $lt: before } });
  }
}
