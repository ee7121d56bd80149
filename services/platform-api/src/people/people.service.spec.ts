import type { Actor } from '../auth/actor';
import type { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import type { AppConfig } from '../config/app-config';
import type { IdentityDirectory } from '../integrations/identity/identity-directory.port';
import type { MembershipsRepository } from '../memberships/memberships.repository';
import type { PartnerMembershipsRepository } from '../partners/partner-memberships.repository';
import type { PartnersRepository } from '../partners/partners.repository';
import type { LeaseRepository } from '../provisioning/lease.repository';
import type { TenantsRepository } from '../tenants/tenants.repository';
import type { UserRecord } from '../users/user.schema';
import type { UsersRepository } from '../users/users.repository';
import { PeopleService } from './people.service';

const person = (id: string, fields: Partial<UserRecord> = {}): UserRecord => ({
  id,
  subject: id,
  email: `${id}@example.test`,
  name: id,
  username: id,
  platformAdmin: true,
  lastSeenAt: null,
  disabledAt: null,
  createdAt: new Date('2026-11-01T00:00:00Z'),
  ...fields,
});

/** The service over stubbed ports: `admins` is how many platform admins who may sign in the database counts. */
function setup(people: UserRecord[], admins: number) {
  const writes: string[] = [];
  const users = {
    fresh: async (id: string) => people.find((p) => p.id === id) ?? null,
    countEnabledPlatformAdmins: async () => admins,
    setDisabled: async (id: string, at: Date | null) => (writes.push(`disable ${id}`), { ...people.find((p) => p.id === id)!, disabledAt: at }),
    setPlatformAdmin: async (id: string, flag: boolean) => (writes.push(`admin ${id} ${flag}`), { ...people.find((p) => p.id === id)!, platformAdmin: flag }),
  } as unknown as UsersRepository;
  const none = { listActiveForUsers: async () => [], findByIds: async () => [] };
  const directory = { setNamedGroupMember: async () => ({ found: true, changed: true }), isNamedGroupMember: async () => false } as unknown as IdentityDirectory;
  const leases = { acquire: async () => true, release: async () => undefined } as unknown as LeaseRepository;
  const service = new PeopleService(
    users,
    none as unknown as MembershipsRepository,
    none as unknown as PartnerMembershipsRepository,
    none as unknown as TenantsRepository,
    none as unknown as PartnersRepository,
    directory,
    leases,
    { auth: { adminGroup: 'platform-admins' } } as AppConfig,
    { now: () => new Date('2026-12-01T00:00:00Z') } as Clock,
  );
  return { service, writes };
}

const actor = (id: string) => ({ user: person(id), isOperator: true }) as unknown as Actor;

describe('PeopleService: the last platform admin', () => {
  it('refuses to disable the last platform admin who can sign in, with a sentence, and writes nothing', async () => {
    const { service, writes } = setup([person('last')], 1);
    const refusal = service.disable(actor('someone'), 'last', 'Leaving');
    await expect(refusal).rejects.toBeInstanceOf(DomainError);
    await expect(refusal).rejects.toThrow(/last platform admin who can sign in: make someone else a platform admin before you disable this account/);
    expect(writes).toEqual([]);
  });

  it('refuses to demote the last platform admin, and writes nothing', async () => {
    const { service, writes } = setup([person('last')], 1);
    await expect(service.revokeAdmin(actor('someone'), 'last', null)).rejects.toThrow(/before you revoke their administration/);
    expect(writes).toEqual([]);
  });

  it('lets a disabled admin be demoted, and an admin be disabled while another may sign in', async () => {
    const { service, writes } = setup([person('gone', { disabledAt: new Date('2026-11-20T00:00:00Z') }), person('other')], 1);
    await service.revokeAdmin(actor('someone'), 'gone', null);
    const two = setup([person('other')], 2);
    await two.service.disable(actor('someone'), 'other', 'Leaving');
    expect([...writes, ...two.writes]).toEqual(['admin gone false', 'disable other']);
  });
});
