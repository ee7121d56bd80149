import { ReadCache } from './read-cache';

describe('ReadCache', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000));

  it('serves a value from memory until its time is up, then loads again', async () => {
    const cache = new ReadCache<string>(100, 10, now);
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.get('k', load)).toBe('v1');
    clock += 99;
    expect(await cache.get('k', load)).toBe('v1');
    clock += 2;
    expect(await cache.get('k', load)).toBe('v2');
  });

  it('loads again right after an invalidation', async () => {
    const cache = new ReadCache<string>(1_000, 10, now);
    let loads = 0;
    await cache.get('k', async () => `v${++loads}`);
    cache.invalidate('k');
    expect(await cache.get('k', async () => `v${++loads}`)).toBe('v2');
  });

  it('does not store a value whose load began before an invalidation', async () => {
    const cache = new ReadCache<string>(1_000, 10, now);
    let release!: () => void;
    const slow = cache.get('k', () => new Promise<string>((resolve) => (release = () => resolve('stale'))));
    cache.invalidate('k');
    release();
    expect(await slow).toBe('stale');
    expect(await cache.get('k', async () => 'fresh')).toBe('fresh');
  });

  it('loads once for requests that miss together, and gives each of them that value', async () => {
    const cache = new ReadCache<string>(1_000, 10, now);
    let loads = 0;
    const releases: Array<() => void> = [];
    const load = () => new Promise<string>((resolve) => {
      const n = (loads += 1);
      releases.push(() => resolve(`v${n}`));
    });
    const waiting = [cache.get('k', load), cache.get('k', load), cache.get('k', load)];
    for (const release of releases) release();
    expect(await Promise.all(waiting)).toEqual(['v1', 'v1', 'v1']);
    expect(loads).toBe(1);
    expect(await cache.get('k', load)).toBe('v1');
  });

  it('shares a failed load with the requests waiting for it only: the next request loads again', async () => {
    const cache = new ReadCache<string>(1_000, 10, now);
    let fail!: () => void;
    const first = cache.get('k', () => new Promise<string>((_resolve, reject) => (fail = () => reject(new Error('database down')))));
    const second = cache.get('k', async () => 'never asked');
    fail();
    await expect(first).rejects.toThrow('database down');
    await expect(second).rejects.toThrow('database down');
    expect(await cache.get('k', async () => 'back')).toBe('back');
  });

  it('does not give a request after an invalidation the load that began before it', async () => {
    const cache = new ReadCache<string>(1_000, 10, now);
    let release!: () => void;
    const before = cache.get('k', () => new Promise<string>((resolve) => (release = () => resolve('stale'))));
    cache.invalidate('k');
    const after = cache.get('k', async () => 'fresh');
    release();
    expect(await before).toBe('stale');
    expect(await after).toBe('fresh');
    expect(await cache.get('k', async () => 'reloaded')).toBe('fresh');
  });

  it('invalidates by prefix and keeps other keys', async () => {
    const cache = new ReadCache<string>(1_000, 10, now);
    await cache.get('user:1:a', async () => 'a');
    await cache.get('user:2:b', async () => 'b');
    cache.invalidatePrefix('user:1:');
    expect(await cache.get('user:1:a', async () => 'a2')).toBe('a2');
    expect(await cache.get('user:2:b', async () => 'b2')).toBe('b');
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new ReadCache<string>(1_000, 2, now);
    for (const key of ['a', 'b', 'c']) await cache.get(key, async () => key);
    expect(await cache.get('a', async () => 'reloaded')).toBe('reloaded');
    expect(await cache.get('c', async () => 'reloaded')).toBe('c');
  });

  it('with a ttl of 0 always loads', async () => {
    const cache = new ReadCache<number>(0, 10, now);
    let loads = 0;
    await cache.get('k', async () => ++loads);
    expect(await cache.get('k', async () => ++loads)).toBe(2);
  });
});
