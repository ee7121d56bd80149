import { staleness } from './flag.dto';
import type { FeatureFlagRecord } from './flag.schema';

const now = new Date('2026-11-23T12:00:00Z');
const flag = (fields: { enabled?: boolean; defaultValue?: boolean; rules?: unknown[]; daysOld?: number }) =>
  ({
    enabled: fields.enabled ?? true,
    defaultValue: fields.defaultValue ?? false,
    rules: fields.rules ?? [],
    updatedAt: new Date(now.getTime() - (fields.daysOld ?? 1) * 24 * 3600 * 1000),
  }) as unknown as FeatureFlagRecord;
const everyone = { type: 'percentage', percentage: 100, value: true };

describe('staleness', () => {
  it('marks a flag unchanged for more than 30 days', () => {
    expect(staleness(flag({ daysOld: 31 }), now)).toBe('unchanged for more than 30 days');
    expect(staleness(flag({ daysOld: 29 }), now)).toBeNull();
  });

  it('marks a flag that gives true to everyone as fully rolled out', () => {
    expect(staleness(flag({ rules: [everyone] }), now)).toBe('fully rolled out');
    expect(staleness(flag({ defaultValue: true }), now)).toBe('fully rolled out');
    expect(staleness(flag({ rules: [{ type: 'plans', plans: ['free'], value: true }, everyone] }), now)).toBe('fully rolled out');
  });

  it('does not mark a flag some tenants still get false from', () => {
    expect(staleness(flag({ rules: [{ type: 'tenants', tenantIds: ['x'], value: false }, everyone] }), now)).toBeNull();
    expect(staleness(flag({ defaultValue: true, rules: [{ type: 'plans', plans: ['free'], value: false }] }), now)).toBeNull();
    expect(staleness(flag({ rules: [{ type: 'percentage', percentage: 99, value: true }] }), now)).toBeNull();
    expect(staleness(flag({ enabled: false, rules: [everyone] }), now)).toBeNull();
  });
});
