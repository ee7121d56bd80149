import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Tenant } from '../../src/tenants/tenant.schema';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';

/** The operators' dashboard, on the demo data: northwind (business, active) and globex (starter, past due) sold by northwind-reseller (20 %). */
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

  it('counts tenants by status, sums MRR in total and per partner, and lists the tenants in error', async () => {
    await call('post', '/tenants', 'dana', { slug: 'direct', name: 'Direct', plan: 'starter' }).expect(201);
    await call('patch', '/tenants/direct/subscription', 'operator', { status: 'active' }).expect(200);
    await provisioned(t, 'direct', bearer['operator']!);
    const tenants = t.app.get<Model<Tenant>>(getModelToken(Tenant.name));
    await tenants.updateOne({ slug: 'direct' }, { $set: { 'provisioning.route': { state: 'error', error: 'disk full', attempts: 2, updatedAt: new Date() } } });

    const overview = (await call('get', '/system/overview', 'operator').expect(200)).body;
    expect(overview.tenantsByStatus).toEqual({ pending: 0, active: 4, sleeping: 0, suspended: 1, terminated: 0 });
    // Active subscriptions: northwind 4900, initech 19900 (suspended, still billed), direct 1900, default 0.
    expect(overview.mrr.total).toEqual([{ currency: 'EUR', gross: 4_900 + 19_900 + 1_900 }]);
    expect(overview.mrr.partners).toEqual([expect.objectContaining({ partnerSlug: 'northwind-reseller', mrr: [{ currency: 'EUR', gross: 4_900, margin: 980 }] })]);
    expect(overview.inError.map((x: { slug: string }) => x.slug)).toEqual(['direct']);
    expect(overview.inError[0].health).toEqual({ status: 'down', reasons: ['The route step failed: disk full'] });
  });

  it('is for operators only', async () => {
    await call('get', '/system/overview', 'dana').expect(403);
    await call('get', '/system/overview').expect(401);
  });
});
