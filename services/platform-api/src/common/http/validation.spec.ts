import { findOperatorKey } from './validation';

describe('findOperatorKey', () => {
  it.each([
    [{ slug: { $ne: null } }, 'slug.$ne'],
    [{ $where: 'sleep(1000)' }, '$where'],
    [{ domains: [{ ok: 1 }, { $gt: '' }] }, 'domains[1].$gt'],
    [{ 'profile.admin': true }, 'profile.admin'],
    [{ 'status[$ne]': 'active' }, 'status[$ne]'],
  ])('finds the operator key in %j', (input, expected) => {
    expect(findOperatorKey(input)).toBe(expected);
  });

  it('passes plain data, including dollar signs and dots in values', () => {
    expect(findOperatorKey({ name: '$money.maker', domains: ['a.example'], nested: { ok: [1, 'two'] } })).toBeNull();
    expect(findOperatorKey(null)).toBeNull();
    expect(findOperatorKey('$ne')).toBeNull();
  });
});
