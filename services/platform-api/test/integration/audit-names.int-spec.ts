import { getModelToken } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { AuditModule } from '../../src/audit/audit.module';
import { AuditRepository } from '../../src/audit/audit.repository';
import { AuditService } from '../../src/audit/audit.service';
import { LiveEventsModule } from '../../src/events/live-events.module';
import { MODEL } from '../../src/common/model-names';
import { openDataModule, type DataModule } from '../support/data-module';

/**
 * Naming a page of audit events on the real database: the people, roles,
 * tenants and partners of the whole page are read with one query per
 * collection, so a page of 50 events by 50 people costs what a page of 2 does.
 */
describe('the audit log names its people once per page', () => {
  let data: DataModule;
  let audit: AuditService;
  let queries: string[] = [];

  beforeAll(async () => {
    data = await openDataModule('audit_names', [LiveEventsModule, AuditModule]);
    audit = data.module.get(AuditService);
    const events = data.module.get(AuditRepository);
    const users = data.module.get<Model<{ subject: string; name: string; email: string }>>(getModelToken(MODEL.user));
    const tenants = data.module.get<Model<{ slug: string; name: string; plan: string; status: string }>>(getModelToken(MODEL.tenant));
    const memberships = data.module.get<Model<{ userId: Types.ObjectId; tenantId: Types.ObjectId; role: string }>>(getModelToken(MODEL.membership));
    // 50 people, each the owner of a tenant of their own, each renaming it once.
    for (let i = 0; i < 50; i++) {
      const user = await users.create({ subject: `sub-${i}`, name: `Person ${i}`, email: `person${i}@example.test` });
      const tenant = await tenants.create({ slug: `tenant-${i}`, name: `Tenant ${i}`, plan: 'free', status: 'active' });
      await memberships.create({ userId: user._id, tenantId: tenant._id, role: i % 2 ? 'owner' : 'admin' });
      await events.append({
        at: new Date(Date.UTC(2026, 0, 1, 0, i)),
        requestId: `r${i}`,
        actor: { kind: 'user', subject: `sub-${i}`, userId: user._id.toHexString() },
        action: 'tenant.update',
        target: { type: 'tenant', id: tenant._id.toHexString() },
        tenantId: tenant._id.toHexString(),
        partnerId: null,
        changes: { name: { from: `Old ${i}`, to: `Tenant ${i}` } },
        reason: null,
        support: null,
      });
    }
    data.connection.set('debug', (collection: string, method: string) => queries.push(`${collection}.${method}`));
  });
  afterAll(() => data.close());

  const page = async (pageSize: number) => {
    queries = [];
    const result = await audit.list({ page: 1, pageSize });
    return { result, queries: [...queries] };
  };

  it('names every actor, role and target of a page of 50', async () => {
    const { result } = await page(50);
    expect(result.items).toHaveLength(50);
    for (const event of result.items) {
      const i = Number(event.requestId.slice(1));
      expect(event.actor).toMatchObject({ name: `Person ${i}`, email: `person${i}@example.test`, role: i % 2 ? 'owner' : 'admin' });
      expect(event.target).toMatchObject({ label: `Tenant ${i}`, slug: `tenant-${i}` });
      expect(event.tenant).toMatchObject({ slug: `tenant-${i}` });
    }
  });

  it('reads as many times for 50 events by 50 people as for 2', async () => {
    const small = await page(2);
    const large = await page(50);
    expect(large.queries.sort()).toEqual(small.queries.sort());
    // The page and its count, then people, tenant roles and tenants: one query each.
    expect(large.queries.filter((q) => q.startsWith('users.'))).toEqual(['users.find']);
    expect(large.queries.filter((q) => q.startsWith('tenants.'))).toEqual(['tenants.find']);
    expect(large.queries.filter((q) => q.startsWith('memberships.'))).toEqual(['memberships.find']);
    expect(large.queries.length).toBeLessThanOrEqual(6);
  });

  it('finds a person by part of their name with one more query, whatever they match', async () => {
    queries = [];
    const found = await audit.list({ page: 1, pageSize: 50, actor: 'person 4' });
    // "Person 4" and "Person 40"–"Person 49".
    expect(found.items.map((event) => event.actor.name).sort()).toEqual(['Person 4', ...Array.from({ length: 10 }, (_, k) => `Person 4${k}`)].sort());
    expect(queries.filter((q) => q.startsWith('users.'))).toEqual(['users.find', 'users.find']);
  });

  it('leaves the stored events as they were', async () => {
    const stored = await data.connection.collection('audit_events').find({}).toArray();
    expect(stored).toHaveLength(50);
    for (const event of stored) expect(Object.keys(event['actor'] as object).sort()).toEqual(['kind', 'subject', 'userId']);
  });
});
