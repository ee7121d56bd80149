import { Types } from 'mongoose';
import { changesBetween, isMutation, mutation } from './mutation';

describe('changesBetween', () => {
  it('names only the fields whose values differ, as from/to', () => {
    const before = { name: 'A', plan: 'free', domains: ['a.example'], industry: null as string | null };
    const after = { name: 'B', plan: 'free', domains: ['a.example', 'b.example'], industry: 'law' };
    expect(changesBetween(before, after, ['name', 'plan', 'domains', 'industry'])).toEqual({
      name: { from: 'A', to: 'B' },
      domains: { from: ['a.example'], to: ['a.example', 'b.example'] },
      industry: { from: null, to: 'law' },
    });
  });

  it('compares dates and object ids by value', () => {
    const id = new Types.ObjectId();
    const at = new Date('2026-01-01T00:00:00Z');
    expect(changesBetween({ id, at }, { id: new Types.ObjectId(id.toHexString()), at: new Date(at) }, ['id', 'at'])).toEqual({});
  });
});

describe('mutation', () => {
  it('marks a result as a mutation, which plain objects are not', () => {
    expect(isMutation(mutation({ ok: true }, { action: 'x.y', target: { type: 'x', id: null } }))).toBe(true);
    expect(isMutation({ result: 1, audit: {} })).toBe(false);
  });
});
