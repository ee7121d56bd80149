import type { AppConfig } from '../config/app-config';
import type { TenantsRepository } from '../tenants/tenants.repository';
import { Clock } from '../common/clock';
import { EdgeActivity } from './edge-activity';

/** The platform's time, moved by the test. */
class TestClock extends Clock {
  private at = Date.now();
  override now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

const FLUSH_MS = 30_000;

describe('EdgeActivity', () => {
  let clock: TestClock;
  let writes: Array<Map<string, Date>>;
  let activity: EdgeActivity;

  beforeEach(() => {
    clock = new TestClock();
    writes = [];
    const tenants = { recordActivity: async (batch: Map<string, Date>) => void writes.push(new Map(batch)) } as unknown as TenantsRepository;
    activity = new EdgeActivity(tenants, { edge: { activityFlushMs: FLUSH_MS } } as AppConfig, clock);
  });

  it("writes a tenant's first request at once, so another process's idle pass sees it", async () => {
    const at = clock.now();
    activity.touch('t1', at);
    await activity.flush();
    expect(writes).toEqual([new Map([['t1', at]])]);
  });

  it('writes at most once per flush interval for a busy tenant, and keeps the newest time for the next write', async () => {
    activity.touch('t1', clock.now());
    for (let request = 0; request < 100; request += 1) {
      clock.advance(100);
      activity.touch('t1', clock.now());
    }
    const newest = clock.now();
    // 10 s of requests: one write so far.
    await Promise.resolve();
    expect(writes).toHaveLength(1);
    // An interval after the first write, the next request is written at once, with its own time.
    clock.advance(FLUSH_MS);
    const later = clock.now();
    activity.touch('t1', later);
    await activity.flush();
    expect(writes).toHaveLength(2);
    expect(writes[1]!.get('t1')).toEqual(later);
    expect(later.getTime()).toBeGreaterThan(newest.getTime());
  });

  it('writes what waited in memory when flushed (the idle pass, shutdown), never more than one interval behind the last request', async () => {
    const first = clock.now();
    activity.touch('t1', first);
    clock.advance(FLUSH_MS / 2);
    const last = clock.now();
    activity.touch('t1', last);
    await Promise.resolve();
    // What the database holds meanwhile is within one interval of the last request.
    expect(last.getTime() - writes.at(-1)!.get('t1')!.getTime()).toBeLessThan(FLUSH_MS);
    await activity.flush();
    expect(writes.at(-1)!.get('t1')).toEqual(last);
    expect(activity.lagMs).toBe(FLUSH_MS);
  });
});
