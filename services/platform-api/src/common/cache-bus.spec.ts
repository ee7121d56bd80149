import type { AppConfig } from '../config/app-config';
import { CacheBus } from './cache-bus';
import type { CacheInvalidation, CacheInvalidationsRepository } from './cache-invalidations.repository';
import { Clock } from './clock';

/** The platform's time of one process, moved by the test. */
class TestClock extends Clock {
  private offset = 0;
  override now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** The invalidation rows both processes share (the database, in memory). */
function sharedRows(): CacheInvalidationsRepository {
  const rows: CacheInvalidation[] = [];
  let id = 0;
  return {
    append: async (row: Omit<CacheInvalidation, 'id'>) => void rows.push({ ...row, id: String((id += 1)) }),
    since: async (from: Date) => rows.filter((row) => row.at >= from),
    removeOlderThan: async () => undefined,
  } as unknown as CacheInvalidationsRepository;
}

describe('CacheBus across processes', () => {
  const config = { readCacheTtlMs: 5_000, readCacheSyncMs: 1_000 } as AppConfig;

  it("drops another process's entry within READ_CACHE_SYNC_MS of a write, not only after the TTL", async () => {
    const rows = sharedRows();
    const [clockA, clockB] = [new TestClock(), new TestClock()];
    const [a, b] = [new CacheBus(config, clockA, rows), new CacheBus(config, clockB, rows)];
    const cacheB = b.cache<string>();
    a.cache<string>();
    let stored = 'active';
    const read = () => cacheB.get('tenant:slug:acme', async () => stored);
    expect(await read()).toBe('active');
    stored = 'suspended';
    await a.invalidate('tenant:slug:acme');
    // Within the bound the other process may still answer from memory; once it has passed, never.
    clockB.advance(config.readCacheSyncMs);
    expect(await read()).toBe('suspended');
  });

  it('keeps the entries no write named', async () => {
    const rows = sharedRows();
    const [clockA, clockB] = [new TestClock(), new TestClock()];
    const [a, b] = [new CacheBus(config, clockA, rows), new CacheBus(config, clockB, rows)];
    const cacheB = b.cache<number>();
    let loads = 0;
    const read = (key: string) => cacheB.get(key, async () => (loads += 1));
    await read('tenant:slug:other');
    await a.invalidate('tenant:slug:acme');
    clockB.advance(config.readCacheSyncMs);
    await read('tenant:slug:other');
    expect(loads).toBe(1);
  });
});
