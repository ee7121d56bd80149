import { eachLimited } from './usage-sampler.service';

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
