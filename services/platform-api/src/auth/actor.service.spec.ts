import { parseTenantGroups } from './actor.service';

describe('parseTenantGroups', () => {
  it('reads `<prefix><slug>[:<role>]` groups and ignores everything else', () => {
    expect(
      parseTenantGroups(['tenant:northwind:owner', 'tenant:globex', 'platform-admins', 'tenant:acme:emperor', 'tenant:a:b:c', 'tenant:', 'other:x'], 'tenant:'),
    ).toEqual([
      { slug: 'northwind', role: 'owner' },
      { slug: 'globex', role: 'member' },
    ]);
  });

  it('honours another prefix', () => {
    expect(parseTenantGroups(['ws-northwind:admin', 'tenant:globex'], 'ws-')).toEqual([{ slug: 'northwind', role: 'admin' }]);
  });
});
