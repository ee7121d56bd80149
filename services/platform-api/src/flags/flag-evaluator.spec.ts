import { bucketOf, evaluateFlag, murmur3, type EvaluableFlag } from './flag-evaluator';

/** Random-looking tenant ids (24 hex digits, like ObjectIds) from a seeded generator, so the sample is the same every run. */
function tenantIds(count: number, seed: number): string[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0).toString(16).padStart(8, '0');
  };
  return Array.from({ length: count }, () => next() + next() + next());
}

const tenant = { tenantId: '65f0000000000000000000aa', plan: 'business', partnerId: '65f0000000000000000000bb' };
const flag = (rules: unknown[], extra: Partial<EvaluableFlag> = {}): EvaluableFlag => ({ key: 'new-editor', enabled: true, defaultValue: false, rules, ...extra });

describe('flag evaluation', () => {
  it('puts the same tenant in the same bucket every time, and flags apart from each other', () => {
    expect(bucketOf('new-editor', tenant.tenantId)).toBe(bucketOf('new-editor', tenant.tenantId));
    const ids = tenantIds(200, 7);
    const same = ids.filter((id) => bucketOf('a', id) === bucketOf('b', id)).length;
    expect(same).toBeLessThan(5);
  });

  it('hashes with MurmurHash3 x86 32-bit, matching its published test vectors', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('a')).toBe(0x3c2569b2);
    expect(murmur3('abcd')).toBe(0x43ed676a);
    expect(murmur3('Hello, world!')).toBe(0xc0363e43);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
  });

  it.each([1, 10, 25, 50, 90])('rolls a %i %% rollout out to that share (± 1 %%) of 10,000 random tenants', (percentage) => {
    const rule = [{ type: 'percentage', percentage, value: true }];
    const hits = tenantIds(10_000, percentage).filter((tenantId) => evaluateFlag(flag(rule), { ...tenant, tenantId }).value).length;
    expect(Math.abs(hits / 100 - percentage)).toBeLessThanOrEqual(1);
  });

  it('lets the kill switch beat every rule', () => {
    const rules = [{ type: 'tenants', tenantIds: [tenant.tenantId], value: true }, { type: 'percentage', percentage: 100, value: true }];
    expect(evaluateFlag(flag(rules, { enabled: false, defaultValue: true }), tenant)).toEqual({ value: false, reason: 'disabled' });
  });

  it('takes the first matching rule, in order', () => {
    const rules = [
      { type: 'plans', plans: ['free'], value: true },
      { type: 'partners', partnerIds: [tenant.partnerId], value: true },
      { type: 'tenants', tenantIds: [tenant.tenantId], value: false },
    ];
    expect(evaluateFlag(flag(rules), tenant)).toEqual({ value: true, reason: 'rule' });
    expect(evaluateFlag(flag(rules.slice(2)), tenant)).toEqual({ value: false, reason: 'rule' });
    expect(evaluateFlag(flag([{ type: 'percentage', percentage: 100, value: true }]), tenant)).toEqual({ value: true, reason: 'rollout' });
    expect(evaluateFlag(flag([{ type: 'plans', plans: ['free'], value: true }], { defaultValue: true }), tenant)).toEqual({ value: true, reason: 'default' });
  });

  it.each([
    ['an unknown rule type', { type: 'weekday', value: true }],
    ['a percentage that is not a number', { type: 'percentage', percentage: 'lots', value: true }],
    ['a list that is not a list', { type: 'tenants', tenantIds: 'all', value: true }],
    ['a value that is not a boolean', { type: 'plans', plans: ['business'], value: 'yes' }],
    ['no rule at all', null],
  ])('yields the default with reason error for %s', (_case, rule) => {
    expect(evaluateFlag(flag([rule], { defaultValue: true }), tenant)).toEqual({ value: true, reason: 'error' });
  });

  it('gives a subject without a tenant the defaults where rules need one', () => {
    const none = { tenantId: null, plan: null, partnerId: null };
    expect(evaluateFlag(flag([{ type: 'percentage', percentage: 100, value: true }]), none)).toEqual({ value: false, reason: 'default' });
  });
});
