import { PARTNER_ROLES, TENANT_ROLES } from '@tessera/contracts';
import { parseRoleGroups } from './actor.service';

describe('parseRoleGroups', () => {
  it('reads `<prefix><slug>[:<role>]` groups and ignores everything else', () => {
    expect(
      parseRoleGroups(['tenant:northwind:owner', 'tenant:globex', 'platform-admins', 'tenant:acme:emperor', 'tenant:a:b:c', 'tenant:', 'other:x'], 'tenant:', TENANT_ROLES),
    ).toEqual([
      { slug: 'northwind', role: 'owner' },
      { slug: 'globex', role: 'member' },
    ]);
  });

  it('honours another prefix', () => {
    expect(parseRoleGroups(['ws-northwind:admin', 'tenant:globex'], 'ws-', TENANT_ROLES)).toEqual([{ slug: 'northwind', role: 'admin' }]);
  });

  it('reads partner groups with the partner access levels', () => {
    expect(parseRoleGroups(['partner:resellers:admin', 'partner:others', 'partner:x:owner', 'tenant:northwind:admin'], 'partner:', PARTNER_ROLES)).toEqual([
      { slug: 'resellers', role: 'admin' },
      { slug: 'others', role: 'member' },
    ]);
  });
});
