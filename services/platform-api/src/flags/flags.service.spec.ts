import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import type { MembershipsRepository } from '../memberships/memberships.repository';
import type { TenantRecord } from '../tenants/tenant.schema';
import type { TenantsRepository } from '../tenants/tenants.repository';
import type { UserRecord } from '../users/user.schema';
import type { FeatureFlagRecord } from './flag.schema';
import type { FlagsRepository } from './flags.repository';
import { FlagsService } from './flags.service';

/** The flag rules with every port stubbed: who may evaluate what, what may change. */
const at = new Date('2026-11-01T00:00:00Z');
const flag = (key: string, fields: Partial<FeatureFlagRecord> = {}): FeatureFlagRecord => ({
  key, description: key, enabled: true, defaultValue: false, rules: [], owner: 'team', expiresAt: null, archivedAt: null, createdAt: at, updatedAt: at, ...fields,
});
const acme = { id: 't1', slug: 'acme', plan: 'business', partnerId: null } as TenantRecord;

function setup(stored: FeatureFlagRecord[], memberOf: string[] = ['t1']) {
  const flags = {
    snapshot: async () => ({ flags: stored.filter((f) => !f.archivedAt), version: 'v1' }),
    findByKey: async (key: string) => stored.find((f) => f.key === key) ?? null,
    update: async (key: string, changes: Partial<FeatureFlagRecord>) => ({ ...stored.find((f) => f.key === key)!, ...changes }),
  } as unknown as FlagsRepository;
  const tenants = { findBySlug: async (slug: string) => (slug === 'acme' ? acme : null), findById: async () => acme } as unknown as TenantsRepository;
  const memberships = {
    findActive: async (tenantId: string) => (memberOf.includes(tenantId) ? { role: 'member' } : null),
    listActiveForUser: async () => memberOf.map((scopeId) => ({ scopeId })),
  } as unknown as MembershipsRepository;
  return new FlagsService(flags, tenants, memberships, new Clock());
}
const person = (isOperator = false): Actor => ({ subject: 's', audiences: ['portal'], user: { id: 'u1' } as UserRecord, isOperator, groups: [] });

describe('FlagsService', () => {
  it("evaluates a member's own tenant, and the only one when none is named", async () => {
    const service = setup([flag('new-editor', { rules: [{ type: 'plans', plans: ['business'], value: true }] })]);
    const named = await service.evaluate(person(), { tenantSlug: 'acme' });
    expect(JSON.parse(named.evaluation as string)).toMatchObject({ tenantSlug: 'acme', flags: { 'new-editor': { value: true, reason: 'rule' } } });
    const implied = await service.evaluate(person(), {});
    expect(implied.etag).toBe(named.etag);
  });

  it("refuses a member another tenant's map, and a machine any", async () => {
    const service = setup([flag('x')], []);
    await expect(service.evaluate(person(), { tenantSlug: 'acme' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.evaluate({ ...person(), user: null }, { tenantSlug: 'acme' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.evaluate(person(true), { tenantSlug: 'acme' })).resolves.toHaveProperty('etag');
  });

  it('answers unchanged to a caller holding the current tag', async () => {
    const service = setup([flag('x')]);
    const first = await service.evaluate(person(), { tenantSlug: 'acme' });
    expect((await service.evaluate(person(), { tenantSlug: 'acme' }, first.etag)).evaluation).toBe('unchanged');
    expect((await service.evaluate(person(), { tenantSlug: 'acme' }, 'W/"other"')).evaluation).not.toBe('unchanged');
  });

  it("closes an archived flag to changes, never changes a key, and archives once", async () => {
    const service = setup([flag('live'), flag('old', { archivedAt: at })]);
    await expect(service.update('old', { description: 'x' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.update('live', { key: 'renamed' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.archive('old')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.update('missing', { description: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await service.update('live', { enabled: false })).audit.changes).toEqual({ enabled: { from: true, to: false } });
  });
});
