import { getModelToken } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { PlanCatalogModule } from '../../src/plans/plan-catalog.module';
import type { AuditEvent } from '../../src/audit/audit-event.schema';
import { AuditRepository } from '../../src/audit/audit.repository';
import type { VerifiedToken } from '../../src/auth/token-verifier';
import { MODEL } from '../../src/common/model-names';
import { MembershipsRepository } from '../../src/memberships/memberships.repository';
import { SubscriptionsModule } from '../../src/subscriptions/subscriptions.module';
import { SubscriptionsService } from '../../src/subscriptions/subscriptions.service';
import { UsersModule } from '../../src/users/users.module';
import { UsersService } from '../../src/users/users.service';
import { openDataModule, type DataModule } from '../support/data-module';

describe('users, memberships, subscriptions and audit on the real database', () => {
  let data: DataModule;

  beforeAll(async () => {
    data = await openDataModule('records', [PlanCatalogModule, UsersModule, SubscriptionsModule]);
  });
  afterAll(() => data.close());

  const token = (subject: string, groups: string[] = []): VerifiedToken => ({
    subject,
    issuer: 'http://issuer/',
    audiences: ['portal'],
    email: `${subject}@Example.test`,
    name: subject,
    username: subject,
    groups,
  });

  it('creates one user when two first requests race, and only the creator sees created', async () => {
    const users = data.module.get(UsersService);
    const results = await Promise.all([users.syncFromToken(token('twin')), users.syncFromToken(token('twin'))]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results[0]!.user.id).toBe(results[1]!.user.id);
    expect(results[0]!.user.email).toBe('twin@example.test');
  });

  it('bootstraps platformAdmin from the admin group on creation only', async () => {
    const users = data.module.get(UsersService);
    expect((await users.syncFromToken(token('root-user', ['platform-admins']))).user.platformAdmin).toBe(true);
    expect((await users.syncFromToken(token('plain-user'))).user.platformAdmin).toBe(false);
    expect((await users.syncFromToken(token('plain-user', ['platform-admins']))).user.platformAdmin).toBe(false);
  });

  it('revives a removed membership instead of adding a second one', async () => {
    const memberships = data.module.get(MembershipsRepository);
    const tenantId = new Types.ObjectId().toHexString();
    const userId = new Types.ObjectId().toHexString();
    const first = await memberships.upsert(tenantId, userId, 'member');
    await memberships.markRemoved(first.id, new Date());
    expect(await memberships.findActive(tenantId, userId)).toBeNull();
    const again = await memberships.upsert(tenantId, userId, 'admin');
    expect(again.id).toBe(first.id);
    expect(again.role).toBe('admin');
    expect(await memberships.listActiveFor(tenantId)).toHaveLength(1);
  });

  it('opens one subscription per tenant, idempotently, at the plan price', async () => {
    const subscriptions = data.module.get(SubscriptionsService);
    const tenant = { id: new Types.ObjectId().toHexString(), slug: 'priced', plan: 'business', partnerId: null } as const;
    const [a, b] = await Promise.all([subscriptions.open(tenant), subscriptions.open(tenant)]);
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ plan: 'business', status: 'trialing', monthlyPrice: 4900, currency: 'EUR' });
  });

  it('keeps the audit trail append-only: updates and deletes are refused', async () => {
    const events = data.module.get<Model<AuditEvent>>(getModelToken(MODEL.auditEvent));
    const repository = data.module.get(AuditRepository);
    await repository.append({
      at: new Date(),
      requestId: 'req-1',
      actor: { kind: 'user', subject: 'ada', userId: null },
      action: 'tenant.update',
      target: { type: 'tenant', id: null },
      tenantId: null,
      partnerId: null,
      changes: { name: { from: 'a', to: 'b' } },
      reason: null, support: null,
    });
    const event = (await events.findOne({ requestId: 'req-1' }).orFail())!;
    await expect(events.updateOne({ _id: event._id }, { $set: { action: 'forged' } })).rejects.toThrow('append-only');
    await expect(events.findOneAndUpdate({ _id: event._id }, { $set: { action: 'forged' } })).rejects.toThrow('append-only');
    await expect(events.deleteOne({ _id: event._id })).rejects.toThrow('append-only');
    await expect(events.deleteMany({})).rejects.toThrow('append-only');
    expect((await events.findById(event._id).orFail()).action).toBe('tenant.update');
  });

  it('filters the audit trail by actor, action and time range', async () => {
    const repository = data.module.get(AuditRepository);
    const tenantId = new Types.ObjectId().toHexString();
    const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));
    for (const [minutes, subject, action] of [[0, 'ann', 'tenant.create'], [10, 'bob', 'tenant.update'], [20, 'ann', 'tenant.update']] as const) {
      await repository.append({ at: at(minutes), requestId: `r${minutes}`, actor: { kind: 'user', subject, userId: null }, action, target: { type: 'tenant', id: null }, tenantId, partnerId: null, changes: {}, reason: null, support: null });
    }
    expect((await repository.list({ tenantId, actorSubject: 'ann' }, 0, 10)).items.map((e) => e.requestId)).toEqual(['r20', 'r0']);
    expect((await repository.list({ tenantId, action: 'tenant.update' }, 0, 10)).total).toBe(2);
    expect((await repository.list({ tenantId, from: at(5), to: at(15) }, 0, 10)).items.map((e) => e.requestId)).toEqual(['r10']);
  });
});
