import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { CacheInvalidationsRepository } from './cache-invalidations.repository';
import { Clock } from './clock';
import { ReadCache } from './read-cache';

/**
 * How far back each read of the invalidations looks again: rows from several
 * processes, each stamped by its own clock a moment before it is stored, may
 * arrive out of order; the ids applied lately keep one from applying twice.
 */
const OVERLAP_MS = 5_000;
/** How long invalidation rows are kept; a process that has not read them for longer drops every entry. */
const RETENTION_MS = 5 * 60_000;

/**
 * The read caches of one API process, and the one place a write says what it
 * changed. Keys name records the same way everywhere (`tenant:slug:<slug>`,
 * `tenant:id:<id>`, `membership:<tenantId>:<userId>`, …), so a repository
 * that writes a tenant drops that tenant from every cache that holds it: its
 * own and the AccessRepository's alike.
 *
 * Across API processes: each invalidation is also stored as a row
 * (`cache_invalidations`), and a process that reads from a cache first reads
 * the rows stored since its last look when READ_CACHE_SYNC_MS of the
 * platform's clock have passed, dropping what they name. So a write through
 * one process (a person disabled, a tenant suspended) is seen by every other
 * within READ_CACHE_SYNC_MS (1 s), and within READ_CACHE_TTL_MS (5 s) even
 * if the database could not be read for the rows meanwhile.
 */
@Injectable()
export class CacheBus {
  private readonly logger = new Logger(CacheBus.name);
  private readonly caches = new Set<ReadCache<unknown>>();
  private readonly origin = randomBytes(8).toString('hex');
  /** Wall-clock time the last successful read of the rows began: the next one reads from a little before it. */
  private cursor = Date.now();
  /** Platform-clock time of the last read of the rows (or of this process's start). */
  private lastSync: number;
  private syncing: Promise<void> | null = null;
  /** Rows applied lately (id → wall-clock time), so the overlap does not apply one twice. */
  private readonly applied = new Map<string, number>();
  private lastCleanup = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly invalidations: CacheInvalidationsRepository,
  ) {
    this.lastSync = clock.now().getTime();
  }

  /** A new cache, entries living for READ_CACHE_TTL_MS on this process's clock, dropped by every invalidation here or (within READ_CACHE_SYNC_MS) in another process. */
  cache<V>(): ReadCache<V> {
    const cache = new ReadCache<V>(this.config.readCacheTtlMs, 10_000, () => this.clock.now().getTime(), () => this.sync());
    this.caches.add(cache as ReadCache<unknown>);
    return cache;
  }

  /** Drops the keys here at once and tells the other processes (awaited, so a write answers only once they can know). */
  async invalidate(...keys: string[]): Promise<void> {
    for (const cache of this.caches) cache.invalidate(...keys);
    await this.publish(keys, []);
  }

  async invalidatePrefix(prefix: string): Promise<void> {
    for (const cache of this.caches) cache.invalidatePrefix(prefix);
    await this.publish([], [prefix]);
  }

  /**
   * Reads the invalidations other processes stored since the last read, if
   * READ_CACHE_SYNC_MS have passed; undefined when nothing needs waiting for.
   * A cache calls it before answering from an entry.
   */
  sync(): Promise<void> | undefined {
    const syncMs = this.config.readCacheSyncMs;
    if (syncMs <= 0 || this.config.readCacheTtlMs <= 0) return undefined;
    if (this.syncing) return this.syncing;
    const now = this.clock.now().getTime();
    if (now - this.lastSync < syncMs) return undefined;
    this.lastSync = now;
    this.syncing = this.syncOnce().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const startedAt = Date.now();
    try {
      if (startedAt - this.cursor > RETENTION_MS - OVERLAP_MS) {
        // Rows may have been removed since the last read: drop everything instead.
        for (const cache of this.caches) cache.invalidatePrefix('');
      } else {
        for (const row of await this.invalidations.since(new Date(this.cursor - OVERLAP_MS))) {
          if (row.origin === this.origin || this.applied.has(row.id)) continue;
          this.applied.set(row.id, row.at.getTime());
          for (const cache of this.caches) {
            if (row.keys.length > 0) cache.invalidate(...row.keys);
            for (const prefix of row.prefixes) cache.invalidatePrefix(prefix);
          }
        }
      }
      this.cursor = startedAt;
      for (const [id, at] of this.applied) if (at < startedAt - 2 * OVERLAP_MS) this.applied.delete(id);
    } catch (error: unknown) {
      // The cursor stays: the next read looks back further. Entries still expire after READ_CACHE_TTL_MS.
      this.logger.warn({ err: error }, 'reading cache invalidations failed');
    }
  }

  private async publish(keys: string[], prefixes: string[]): Promise<void> {
    if (this.config.readCacheSyncMs <= 0 || this.config.readCacheTtlMs <= 0) return;
    try {
      const at = Date.now();
      await this.invalidations.append({ origin: this.origin, keys, prefixes, at: new Date(at) });
      if (at - this.lastCleanup > 60_000) {
        this.lastCleanup = at;
        await this.invalidations.removeOlderThan(new Date(at - RETENTION_MS));
      }
    } catch (error: unknown) {
      // The write itself is done; the other processes' entries expire after READ_CACHE_TTL_MS.
      this.logger.warn({ err: error, keys, prefixes }, 'publishing a cache invalidation failed');
    }
  }
}

/** The cache keys of the records every request looks up. */
export const cacheKeys = {
  tenant: (tenant: { id: string; slug: string }) => [`tenant:id:${tenant.id}`, `tenant:slug:${tenant.slug}`],
  partner: (partner: { id: string; slug: string }) => [`partner:id:${partner.id}`, `partner:slug:${partner.slug}`],
  user: (user: { id: string; subject: string }) => [`user:id:${user.id}`, `user:subject:${user.subject}`],
  membership: (tenantId: string, userId: string) => [`membership:${tenantId}:${userId}`, `memberships-of:${userId}`],
  partnerMembership: (partnerId: string, userId: string) => [`partner-membership:${partnerId}:${userId}`, `partner-memberships-of:${userId}`],
  supportGrant: (tenantId: string, operatorUserId: string) => [`support-grant:${tenantId}:${operatorUserId}`],
};
