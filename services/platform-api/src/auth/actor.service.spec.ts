import { PARTNER_ROLES, TENANT_ROLES } from '@tessera/contracts';
import type { AppConfig } from '../config/app-config';
import type { UsersService } from '../users/users.service';
import type { AccessRepository } from './access.repository';
import { ActorService, parseRoleGroups } from './actor.service';

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

describe('ActorService.resolve', () => {
  const token = { subject: 'ada', issuer: 'https://id/', audiences: ['operator' as const], email: 'ada@example.test', name: 'Ada', username: 'ada', groups: [] };
  const userOf = (disabledAt: Date | null) => ({
    id: '0123456789abcdef01234567', subject: 'ada', email: 'ada@example.test', name: 'Ada', username: 'ada', platformAdmin: true, lastSeenAt: null, disabledAt, createdAt: new Date(0),
  });
  const actors = (disabledAt: Date | null) =>
    new ActorService({ syncFromToken: async () => ({ user: userOf(disabledAt), created: false }) } as unknown as UsersService, {} as AccessRepository, {} as AppConfig);

  it("refuses a disabled person's valid token with the ACCOUNT_DISABLED reason, whatever their role", async () => {
    await expect(actors(new Date('2026-12-01T00:00:00Z')).resolve(token)).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_DISABLED' });
  });

  it('lets a re-enabled person in again', async () => {
    await expect(actors(null).resolve(token)).resolves.toMatchObject({ isOperator: true, user: { disabledAt: null } });
  });
});
