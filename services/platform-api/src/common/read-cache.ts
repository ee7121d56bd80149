/**
 * A small read-through cache for the lookups every request makes (the actor,
 * the tenant by slug, the actor's membership). Entries live for `ttlMs` and
 * are dropped at once when this process writes the record, so within one API
 * process a change (a removed member, a suspended tenant) applies to the very
 * next request; another API process drops them when it reads the write's
 * invalidation (CacheBus, within READ_CACHE_SYNC_MS), and within `ttlMs` at
 * worst. A ttl of 0 turns
 * caching off. Loads are shared: while one is under way for a key, every
 * other request for that key waits for it instead of loading again, so an
 * entry that expires under load costs one load, not one per request waiting.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  /** The load under way for a key, and the generation it began in. */
  private readonly loading = new Map<string, { generation: number; value: Promise<V> }>();
  /** Bumped by every invalidation: a load that started before one is not stored, nor shared after it. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    /** Called before an entry is used: may answer a promise to wait for (other processes' invalidations read first). */
    private readonly sync: () => Promise<void> | undefined = () => undefined,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const syncing = this.sync();
    if (syncing) await syncing;
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const generation = this.generation;
    const pending = this.loading.get(key);
    if (pending && pending.generation === generation) return pending.value;
    // In the map before the load starts, so even a load that fails at once is taken out again.
    const loading = { generation } as { generation: number; value: Promise<V> };
    this.loading.set(key, loading);
    loading.value = this.loadInto(key, load, loading);
    return loading.value;
  }

  private async loadInto(key: string, load: () => Promise<V>, loading: { generation: number }): Promise<V> {
    const { generation } = loading;
    try {
      const value = await load();
      if (generation === this.generation) {
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
        this.entries.delete(key);
        this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
      }
      return value;
    } finally {
      if (this.loading.get(key) === loading) this.loading.delete(key);
    }
  }

  invalidate(...keys: string[]): void {
    this.generation += 1;
    for (const key of keys) this.entries.delete(key);
  }

  /** Drops every entry whose key starts with `prefix`. */
  invalidatePrefix(prefix: string): void {
    this.generation += 1;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
