import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Tenant } from '../../src/tenants/tenant.schema';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';

/** The operators' dashboard, on the demo data: northwind (business, active) and globex (starter, past due) sold by northwind-reseller (20 %), initech (enterprise, active but suspended). */
describe('GET /system/overview', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);

  beforeAll(async () => {
    t = await startAppWithDevIdp('overview', { SEED_DEMO: 'true' });
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    await t.idp.createPerson('dana');
    bearer['dana'] = await t.idp.accessToken('dana', 'portal');
    for (const slug of ['northwind', 'globex', 'initech', 'default']) await provisioned(t, slug, bearer['operator']!);
  });
  afterAll(() => t.close());

  it('counts tenants by status, sums MRR of active and past-due subscriptions of tenants not suspended, and lists the tenants in error', async () => {
    await call('post', '/tenants', 'dana', { slug: 'direct', name: 'Direct', plan: 'starter' }).expect(201);
    await call('patch', '/tenants/direct/subscription', 'operator', { status: 'active' }).expect(200);
    await provisioned(t, 'direct', bearer['operator']!);
    const tenants = t.app.get<Model<Tenant>>(getModelToken(Tenant.name));
    await tenants.updateOne({ slug: 'direct' }, { $set: { 'provisioning.route': { state: 'error', error: 'disk full', attempts: 2, updatedAt: new Date() } } });

    const overview = (await call('get', '/system/overview', 'operator').expect(200)).body;
    expect(overview.tenantsByStatus).toEqual({ pending: 0, active: 4, sleeping: 0, suspended: 1, terminated: 0 });
    // Counted: northwind 4900 (active), globex 1900 (past due), direct 1900, default 0; not initech 19900 (suspended).
    expect(overview.mrr.total).toEqual([{ currency: 'EUR', gross: 4_900 + 1_900 + 1_900 }]);
    expect(overview.mrr.partners).toEqual([expect.objectContaining({ partnerSlug: 'northwind-reseller', mrr: [{ currency: 'EUR', gross: 4_900 + 1_900, margin: 1_360 }] })]);
    expect(overview.mrr.breakdown).toEqual({
      countedStatuses: ['active', 'past_due'],
      byStatus: [
        { status: 'trialing', counted: false, lines: [] },
        { status: 'active', counted: true, lines: [{ currency: 'EUR', amount: 4_900 + 1_900, subscriptions: 3 }] },
        { status: 'past_due', counted: true, lines: [{ currency: 'EUR', amount: 1_900, subscriptions: 1 }] },
        { status: 'canceled', counted: false, lines: [] },
        { status: 'suspended', counted: false, lines: [{ currency: 'EUR', amount: 19_900, subscriptions: 1 }] },
      ],
      byPlan: [
        { plan: 'free', name: 'Free', lines: [{ currency: 'EUR', amount: 0, subscriptions: 1 }] },
        { plan: 'starter', name: 'Starter', lines: [{ currency: 'EUR', amount: 3_800, subscriptions: 2 }] },
        { plan: 'business', name: 'Business', lines: [{ currency: 'EUR', amount: 4_900, subscriptions: 1 }] },
      ],
      byPartner: [
        { partnerId: null, partnerSlug: null, partnerName: 'Sold directly', lines: [{ currency: 'EUR', amount: 1_900, subscriptions: 2 }] },
        { partnerId: expect.any(String), partnerSlug: 'northwind-reseller', partnerName: 'Northwind Reseller', lines: [{ currency: 'EUR', amount: 6_800, subscriptions: 2 }] },
      ],
      byCurrency: [{ currency: 'EUR', amount: 8_700, subscriptions: 4 }],
    });
    expect(overview.inError.map((x: { slug: string }) => x.slug)).toEqual(['direct']);
    expect(overview.inError[0].health).toEqual({ status: 'down', reasons: ['The route step failed: disk full'] });
  });

  it('leaves a suspended tenant out of MRR until it is resumed', async () => {
    const before = (await call('get', '/system/overview', 'operator').expect(200)).body.mrr.total[0].gross;
    await call('post', '/tenants/northwind/suspend', 'operator', {}).expect(200);
    expect((await call('get', '/system/overview', 'operator').expect(200)).body.mrr.total[0].gross).toBe(before - 4_900);
    await call('post', '/tenants/northwind/resume', 'operator', {}).expect(200);
    expect((await call('get', '/system/overview', 'operator').expect(200)).body.mrr.total[0].gross).toBe(before);
  });

  it('is for operators only', async () => {
    await call('get', '/system/overview', 'dana').expect(403);
    await call('get', '/system/overview').expect(401);
  });
});
