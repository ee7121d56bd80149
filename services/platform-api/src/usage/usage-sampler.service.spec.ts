import { countersOf, pointOf } from './usage-math';
import { eachLimited, latestCounters } from './usage-sampler.service';

describe('a pass’s engine calls', () => {
  it('runs at most `limit` at a time and every item once', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const items = Array.from({ length: 20 }, (_, i) => i);
    const left = await eachLimited(items, 3, () => true, async (item) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(item);
      inFlight -= 1;
    });
    expect(most).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(items);
    expect(left).toEqual([]);
  });

  it('starts none once its time is up, and answers those it left out', async () => {
    let allowed = 5;
    const seen: number[] = [];
    const left = await eachLimited(Array.from({ length: 10 }, (_, i) => i), 2, () => allowed-- > 0, async (item) => {
      seen.push(item);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(left).toEqual([5, 6, 7, 8, 9]);
  });
});

describe('the counters a sample is compared with', () => {
  const usage = (startedAt: string) => ({ containerId: 'c1', startedAt, restartCount: 0, cpuNs: 1, systemCpuNs: 1, onlineCpus: 2, memoryBytes: 1, memoryLimitBytes: null, rxBytes: 0, txBytes: 0 });
  const pass = (at: number, samples: Record<string, string>) => ({
    samples: Object.fromEntries(Object.entries(samples).map(([tenant, startedAt]) => [tenant, { point: { at } as never, counters: countersOf(usage(startedAt), at) }])),
  });

  it('takes each workspace from the newest pass that sampled it, so a restart across a pass that missed it is counted', () => {
    // The last pass (at 4 s) did not sample workspace a: it was restarting. The pass before (at 2 s) did.
    const counters = latestCounters([pass(4_000, { b: 'b-start' }), pass(2_000, { a: 'first-start', b: 'older' }), null]);
    expect(counters.get('b')?.startedAt).toBe('b-start');
    expect(counters.get('a')?.startedAt).toBe('first-start');
    expect(pointOf(usage('second-start'), 6_000, counters.get('a')!).restarts).toBe(1);
  });
});
