import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from './clock';
import { ReadCache } from './read-cache';

/**
 * The read caches of one API process, and the one place a write says what it
 * changed. Keys name records the same way everywhere (`tenant:slug:<slug>`,
 * `tenant:id:<id>`, `membership:<tenantId>:<userId>`, …), so a repository
 * that writes a tenant drops that tenant from every cache that holds it: its
 * own and the AccessRepository's alike.
 */
@Injectable()
export class CacheBus {
  private readonly caches = new Set<ReadCache<unknown>>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** A new cache, entries living for READ_CACHE_TTL_MS on this process's clock, dropped by every invalidation here. */
  cache<V>(): ReadCache<V> {
    const cache = new ReadCache<V>(this.config.readCacheTtlMs, 10_000, () => this.clock.now().getTime());
    this.caches.add(cache as ReadCache<unknown>);
    return cache;
  }

  invalidate(...keys: string[]): void {
    for (const cache of this.caches) cache.invalidate(...keys);
  }

  invalidatePrefix(prefix: string): void {
    for (const cache of this.caches) cache.invalidatePrefix(prefix);
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
