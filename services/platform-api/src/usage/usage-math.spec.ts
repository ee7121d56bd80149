import type { WorkspaceUsage } from '../integrations/containers/container-runtime.port';
import { combine, countersOf, downsample, pointOf, rangePlan } from './usage-math';

const sample = (changes: Partial<WorkspaceUsage> = {}): WorkspaceUsage => ({
  containerId: 'c1',
  startedAt: '2026-12-01T10:00:00.000000000Z',
  restartCount: 0,
  cpuNs: 0,
  systemCpuNs: 0,
  onlineCpus: 2,
  memoryBytes: 50 * 1024 * 1024,
  memoryLimitBytes: 128 * 1024 * 1024,
  rxBytes: 0,
  txBytes: 0,
  ...changes,
});

describe('usage points', () => {
  const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);

  it('turns two samples of one run into CPU in % of one core and traffic in bytes per second', () => {
    const before = countersOf(sample({ cpuNs: 1e9, systemCpuNs: 100e9, rxBytes: 1_000, txBytes: 500 }), t0);
    // 60 s later: 3 s of CPU time while the host's two cores counted 120 s.
    const point = pointOf(sample({ cpuNs: 4e9, systemCpuNs: 220e9, rxBytes: 61_000, txBytes: 6_500 }), t0 + 60_000, before);
    expect(point.cpuPercent).toBe(5);
    expect(point.rxBytesPerSecond).toBe(1_000);
    expect(point.txBytesPerSecond).toBe(100);
    expect(point.restarts).toBe(0);
    expect(point).toMatchObject({ memoryBytes: 50 * 1024 * 1024, samples: 1 });
  });

  it('falls back to the wall time when the engine gives no host CPU time', () => {
    const before = countersOf(sample({ cpuNs: 0 }), t0);
    expect(pointOf(sample({ cpuNs: 30e9 }), t0 + 60_000, before).cpuPercent).toBe(50);
  });

  it('gives no rate without a previous sample, and counts no restart', () => {
    const point = pointOf(sample({ cpuNs: 5e9, rxBytes: 10 }), t0, null);
    expect(point).toMatchObject({ cpuPercent: null, rxBytesPerSecond: null, txBytesPerSecond: null, restarts: 0 });
  });

  it('counts a restart when the container started again, by the engine’s count when it restarted several times, and a new container as one', () => {
    const before = countersOf(sample({ cpuNs: 9e9, rxBytes: 5_000 }), t0);
    const again = pointOf(sample({ startedAt: '2026-12-01T10:00:30Z', cpuNs: 1e9, rxBytes: 100 }), t0 + 60_000, before);
    expect(again).toMatchObject({ restarts: 1, cpuPercent: null, rxBytesPerSecond: null });
    expect(pointOf(sample({ startedAt: '2026-12-01T10:00:40Z', restartCount: 3 }), t0 + 60_000, before).restarts).toBe(3);
    expect(pointOf(sample({ containerId: 'c2' }), t0 + 60_000, before).restarts).toBe(1);
  });

  it('combines points into averages weighted by their samples, the highest peaks and the sum of restarts', () => {
    const a = { cpuPercent: 10, cpuPercentMax: 30, memoryBytes: 100, memoryBytesMax: 150, rxBytesPerSecond: 10, txBytesPerSecond: null, restarts: 1, samples: 3 };
    const b = { cpuPercent: 50, cpuPercentMax: 60, memoryBytes: 200, memoryBytesMax: 210, rxBytesPerSecond: 50, txBytesPerSecond: 4, restarts: 2, samples: 1 };
    expect(combine([a, b])).toEqual({ cpuPercent: 20, cpuPercentMax: 60, memoryBytes: 125, memoryBytesMax: 210, rxBytesPerSecond: 20, txBytesPerSecond: 4, restarts: 3, samples: 4 });
    // A point without a CPU reading does not pull the average down.
    expect(combine([a, { ...b, cpuPercent: null, cpuPercentMax: null }]).cpuPercent).toBe(10);
  });

  it('groups points into 5-minute and hourly buckets, oldest first', () => {
    const at = (minutes: number) => t0 + minutes * 60_000;
    const point = (minutes: number, cpu: number) => ({ at: at(minutes), cpuPercent: cpu, cpuPercentMax: cpu, memoryBytes: 1, memoryBytesMax: 1, rxBytesPerSecond: 0, txBytesPerSecond: 0, restarts: 0, samples: 1 });
    const points = [point(7, 40), point(1, 10), point(4, 20), point(61, 5)];
    expect(downsample(points, '5m').map((p) => [p.at, p.cpuPercent, p.samples])).toEqual([
      [at(0), 15, 2],
      [at(5), 40, 1],
      [at(60), 5, 1],
    ]);
    expect(downsample(points, '1h').map((p) => [p.at, p.samples])).toEqual([
      [at(0), 3],
      [at(60), 1],
    ]);
  });

  it('draws each range from about 60 to 720 points', () => {
    expect(rangePlan('1h').resolution).toBe('raw');
    expect(rangePlan('24h').resolution).toBe('5m');
    expect(rangePlan('7d').resolution).toBe('1h');
    expect(rangePlan('30d')).toEqual({ ms: 30 * 86_400_000, resolution: '1h' });
  });
});
