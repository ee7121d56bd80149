import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { MembershipsRepository } from '../../src/memberships/memberships.repository';
import { UsersRepository } from '../../src/users/users.repository';
import { Tenant } from '../../src/tenants/tenant.schema';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';

interface Summary {
  slug: string;
  id: string;
  customerCount: number;
  mrr: { currency: string; gross: number; margin: number }[];
  status: string;
}

/**
 * Partners over HTTP, with the demo data a local run has: the partner
 * northwind-reseller (20 % margin) selling northwind (business, active) and
 * globex (starter, past due), and parker on its team, signed in through dev-idp.
 * A second partner, quartz, is created here with its own admin and customer.
 */
describe('partners', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const P = 'northwind-reseller';
  const Q = 'quartz';
  const summary = async (slug: string): Promise<Summary> => (await call('get', '/partners?pageSize=100', 'operator').expect(200)).body.items.find((p: Summary) => p.slug === slug);
  const audit = async (action: string) => (await call('get', `/audit?action=${action}`, 'operator').expect(200)).body.items;

  beforeAll(async () => {
    t = await startAppWithDevIdp('partners', { SEED_DEMO: 'true', PROVISIONING_STUCK_AFTER_MINUTES: '1' }, { idpSeedDemo: true });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    bearer['parker'] = await t.idp.accessToken('parker', 'portal');
    bearer['carol'] = await t.idp.accessToken('carol', 'portal');
    await t.idp.createPerson('quentin');
    bearer['quentin'] = await t.idp.accessToken('quentin', 'portal');
    await call('post', '/partners', 'operator', { slug: Q, name: 'Quartz Partners', marginPct: 12.5 }).expect(201);
    // Quinn is first seen after quartz exists, so the group claim puts her on its team.
    await t.idp.createPerson('quinn', { groups: [`partner:${Q}:admin`] });
    bearer['quinn'] = await t.idp.accessToken('quinn', 'portal');
    await call('post', '/tenants', 'quentin', { slug: 'quartz-shop', name: 'Quartz Shop', plan: 'starter' }).expect(201);
    await call('patch', '/tenants/quartz-shop/subscription', 'operator', { status: 'active', monthlyPrice: 1999 }).expect(200);
    await call('put', '/tenants/quartz-shop/partner', 'operator', { partner: Q }).expect(200);
    for (const slug of ['northwind', 'globex', 'quartz-shop']) await provisioned(t, slug, bearer['operator']!);
  });
  afterAll(() => t.close());

  describe('as operators manage them', () => {
    it('lists partners with their customer count, and gross MRR and margin summed over active and past-due subscriptions', async () => {
      // northwind 4900 (active) and globex 1900 (past due: still owed, so counted; see docs/api.md, MRR).
      expect(await summary(P)).toMatchObject({ customerCount: 2, status: 'active', mrr: [{ currency: 'EUR', gross: 6_800, margin: 1_360 }] });
      expect(await summary(Q)).toMatchObject({ customerCount: 1, mrr: [{ currency: 'EUR', gross: 1_999, margin: 250 }] });
    });

    it('reads and updates a partner, auditing before and after, and refuses a taken slug or a bad margin', async () => {
      const updated = await call('patch', `/partners/${Q}`, 'operator', { marginPct: 15 }).expect(200);
      expect(updated.body.marginPct).toBe(15);
      expect((await summary(Q)).mrr[0]!.margin).toBe(300);
      const [event] = await audit('partner.update');
      expect(event).toMatchObject({ partnerId: updated.body.id, changes: { marginPct: { from: 12.5, to: 15 } } });
      await call('post', '/partners', 'operator', { slug: Q, name: 'Again' }).expect(409);
      await call('patch', `/partners/${Q}`, 'operator', { marginPct: 101 }).expect(400);
      await call('patch', `/partners/${Q}`, 'operator', { status: 'terminated' }).expect(400);
      expect((await call('get', `/partners/${Q}`, 'operator').expect(200)).body).toMatchObject({ marginPct: 15, status: 'active', customerCount: 1 });
    });

    it("lists a partner's tenants, and moves a tenant between partners with its MRR, audited", async () => {
      const tenants = await call('get', `/partners/${P}/tenants`, 'operator').expect(200);
      expect(tenants.body.items.map((x: { slug: string }) => x.slug).sort()).toEqual(['globex', 'northwind']);
      const detached = await call('delete', '/tenants/quartz-shop/partner', 'operator').expect(200);
      expect(detached.body.partnerId).toBeNull();
      expect(await summary(Q)).toMatchObject({ customerCount: 0, mrr: [] });
      await call('delete', '/tenants/quartz-shop/partner', 'operator').expect(409);
      await call('put', '/tenants/quartz-shop/partner', 'operator', { partner: 'nobody-here' }).expect(404);
      await call('put', '/tenants/quartz-shop/partner', 'operator', { partner: { $ne: null } }).expect(400);
      await call('put', '/tenants/quartz-shop/partner', 'parker', { partner: P }).expect(403);
      await call('put', '/tenants/quartz-shop/partner', 'operator', { partner: Q }).expect(200);
      expect((await summary(Q)).mrr[0]!.gross).toBe(1_999);
      const [attach] = await audit('tenant.attach-partner');
      const [detach] = await audit('tenant.detach-partner');
      expect(attach.changes.partnerId).toEqual({ from: null, to: (await summary(Q)).id });
      expect(detach.changes.partnerId).toEqual({ from: (await summary(Q)).id, to: null });
    });
  });

  describe("as a partner's team uses them", () => {
    it('shows the partner admin their own partner and its tenants, each with its health', async () => {
      expect((await call('get', `/partners/${P}`, 'parker').expect(200)).body).toMatchObject({ slug: P, customerCount: 2 });
      const list = await call('get', `/partners/${P}/tenants`, 'parker').expect(200);
      const globex = list.body.items.find((x: { slug: string }) => x.slug === 'globex');
      expect(globex.health).toEqual({ status: 'degraded', reasons: ['Payment is past due'] });
      const northwind = list.body.items.find((x: { slug: string }) => x.slug === 'northwind');
      expect(northwind.health.status).toBe('healthy');
      const me = await call('get', '/users/me', 'parker').expect(200);
      expect(me.body.partners).toEqual([expect.objectContaining({ partnerSlug: P, role: 'admin' })]);
    });

    it('creates a tenant under the partner, inviting its owner into the identity provider', async () => {
      const created = await call('post', `/partners/${P}/tenants`, 'parker', { slug: 'reseller-new', name: 'Reseller New', plan: 'starter', ownerEmail: 'owner@newco.test' }).expect(201);
      expect(created.body.partnerId).toBe((await summary(P)).id);
      const { body: found } = await t.idp.admin('GET', '/core/users/?email=owner%40newco.test');
      expect((found as { results: unknown[] }).results).toHaveLength(1);
      // Its people are not the operators' to list without support access: the records say who owns it.
      await call('get', '/tenants/reseller-new/members', 'operator').expect(403);
      const memberships = await t.app.get(MembershipsRepository).listActiveFor(created.body.id as string);
      const [owner] = await t.app.get(UsersRepository).findByIds(memberships.map((m) => m.userId));
      expect(memberships.map((m) => m.role)).toEqual(['owner']);
      expect(owner?.email).toBe('owner@newco.test');
      expect((await summary(P)).customerCount).toBe(3);
      await provisioned(t, 'reseller-new', bearer['operator']!);
    });

    it("updates, suspends and resumes the partner's own tenants", async () => {
      await call('patch', `/partners/${P}/tenants/northwind`, 'parker', { industry: 'wholesale' }).expect(200);
      const suspended = await call('post', `/partners/${P}/tenants/globex/suspend`, 'parker', { reason: 'Asked by the customer' }).expect(200);
      expect(suspended.body).toMatchObject({ status: 'suspended', health: { status: 'suspended' } });
      const [event] = await audit('tenant.suspend');
      expect(event).toMatchObject({ partnerId: (await summary(P)).id, reason: 'Asked by the customer', actor: { kind: 'user' } });
      await call('post', `/partners/${P}/tenants/globex/suspend`, 'parker').expect(409);
      expect((await call('get', `/partners/${P}/tenants/globex`, 'parker').expect(200)).body.status).toBe('suspended');
    });

    it('raises dashboard alerts for failed and stuck provisioning, suspended tenants and past-due payments', async () => {
      const tenants = t.app.get<Model<Tenant>>(getModelToken(Tenant.name));
      const longAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      await tenants.updateOne(
        { slug: 'northwind' },
        {
          $set: {
            'provisioning.mail': { state: 'error', error: 'Stalwart answered 503', attempts: 3, updatedAt: longAgo },
            'provisioning.files': { state: 'pending', attempts: 0, updatedAt: longAgo },
          },
        },
      );
      const alerts = (await call('get', `/partners/${P}/alerts`, 'parker').expect(200)).body as { kind: string; tenantSlug: string; message: string }[];
      expect(alerts.map((a) => `${a.kind} ${a.tenantSlug}`).sort()).toEqual([
        'payment_past_due globex',
        'provisioning_error northwind',
        'provisioning_stuck northwind',
        'suspended globex',
      ]);
      expect(alerts.find((a) => a.kind === 'provisioning_error')!.message).toBe('mail: Stalwart answered 503');
      await call('post', `/partners/${P}/tenants/globex/resume`, 'parker').expect(200);
      expect((await call('get', `/partners/${P}/alerts`, 'parker').expect(200)).body.map((a: { kind: string }) => a.kind)).not.toContain('suspended');
    });

    it('lists the team with access level and MFA devices counted in the identity provider', async () => {
      const team = await call('get', `/partners/${P}/team`, 'parker').expect(200);
      expect(team.body).toEqual([expect.objectContaining({ email: 'parker@reseller.test', role: 'admin', mfaDevices: 1, mfaEnabled: true })]);
    });

    it('invites by email, changes the access level and removes, keeping one admin, all audited', async () => {
      const invited = await call('post', `/partners/${P}/team`, 'parker', { email: 'Sam@Reseller.test', name: 'Sam Reed', role: 'member' }).expect(201);
      expect(invited.body).toMatchObject({ email: 'sam@reseller.test', role: 'member', mfaDevices: 0, mfaEnabled: false });
      const { body: found } = await t.idp.admin('GET', '/core/users/?email=sam%40reseller.test');
      expect((found as { results: { name: string }[] }).results[0]!.name).toBe('Sam Reed');
      await call('post', `/partners/${P}/team`, 'parker', { email: 'sam@reseller.test', role: 'admin' }).expect(409);
      await call('post', `/partners/${P}/team`, 'parker', { email: 'sam@reseller.test', role: 'owner' }).expect(400);

      const sam = invited.body.userId as string;
      await call('patch', `/partners/${P}/team/${sam}`, 'parker', { role: 'admin' }).expect(200);
      const parkerId = (await call('get', '/users/me', 'parker').expect(200)).body.id as string;
      await call('patch', `/partners/${P}/team/${parkerId}`, 'parker', { role: 'member' }).expect(200);
      await call('delete', `/partners/${P}/team/${sam}`, 'operator').expect(409);
      await call('patch', `/partners/${P}/team/${parkerId}`, 'operator', { role: 'admin' }).expect(200);
      await call('delete', `/partners/${P}/team/${sam}`, 'parker').expect(200);
      await call('delete', `/partners/${P}/team/${sam}`, 'parker').expect(404);
      expect((await call('get', `/partners/${P}/team`, 'parker').expect(200)).body.map((m: { email: string }) => m.email)).toEqual(['parker@reseller.test']);
      expect((await audit('partner.member.invite'))[0]).toMatchObject({ target: { type: 'user', id: sam }, changes: { role: { from: null, to: 'member' } } });
      expect((await audit('partner.member.remove'))[0]).toMatchObject({ changes: { role: { from: 'admin', to: null } } });
    });

    it('saves settings, refusing a bad email with 400 and changing nothing', async () => {
      const saved = await call('patch', `/partners/${P}/settings`, 'parker', {
        contact: { name: 'Parker Partner', email: 'parker@reseller.test', phone: '+44 20 7946 0000' },
        billing: { company: 'Northwind Reseller Ltd', vatId: 'GB123456789' },
        notificationEmail: 'alerts@reseller.test',
      }).expect(200);
      expect(saved.body).toMatchObject({ contact: { phone: '+44 20 7946 0000' }, billing: { company: 'Northwind Reseller Ltd', address: null }, notificationEmail: 'alerts@reseller.test' });
      await call('patch', `/partners/${P}/settings`, 'parker', { notificationEmail: 'not-an-email' }).expect(400);
      await call('patch', `/partners/${P}/settings`, 'parker', { contact: { email: 'x@y.test', role: 'boss' } }).expect(400);
      await call('patch', `/partners/${P}/settings`, 'parker', { billing: { vatId: null } }).expect(200);
      const read = (await call('get', `/partners/${P}`, 'parker').expect(200)).body;
      expect(read).toMatchObject({ notificationEmail: 'alerts@reseller.test', contact: { email: 'parker@reseller.test' }, billing: { company: 'Northwind Reseller Ltd', vatId: null } });
    });

    it("saves white-label branding with hex colours and https links, and shows it to the partner's customers", async () => {
      for (const bad of [{ primaryColor: 'blue' }, { accentColor: '#12345' }, { logoUrl: 'http://reseller.test/logo.png' }, { supportUrl: 'javascript:alert(1)' }]) {
        await call('patch', `/partners/${P}/branding`, 'parker', bad).expect(400);
      }
      const branding = { displayName: 'Reseller Cloud', logoUrl: 'https://reseller.test/logo.svg', primaryColor: '#12ab9F', accentColor: '#ffcc00', supportUrl: 'https://reseller.test/help' };
      await call('patch', `/partners/${P}/branding`, 'parker', branding).expect(200);
      const seen = await call('get', '/tenants/northwind/branding', 'carol').expect(200);
      expect(seen.body).toEqual({ partner: P, branding });
      const direct = await call('get', '/tenants/quartz-shop/branding', 'quentin').expect(200);
      expect(direct.body).toEqual({ partner: Q, branding: { displayName: null, logoUrl: null, primaryColor: null, accentColor: null, supportUrl: null } });
      await call('get', '/tenants/northwind/branding', 'quentin').expect(403);
    });
  });

  describe('isolation between partners', () => {
    it("keeps partner P from reading, changing, suspending or creating anything of partner Q's, by slug, by id or by filter", async () => {
      const q = await summary(Q);
      const before = (await call('get', '/tenants/quartz-shop', 'operator').expect(200)).body;
      // Q's tenant addressed through P's own routes: not found.
      await call('get', `/partners/${P}/tenants/quartz-shop`, 'parker').expect(404);
      await call('patch', `/partners/${P}/tenants/quartz-shop`, 'parker', { name: 'Taken' }).expect(404);
      await call('post', `/partners/${P}/tenants/quartz-shop/suspend`, 'parker').expect(404);
      // Q's routes: refused.
      await call('get', `/partners/${Q}`, 'parker').expect(403);
      await call('get', `/partners/${Q}/tenants`, 'parker').expect(403);
      await call('get', `/partners/${Q}/tenants/quartz-shop`, 'parker').expect(403);
      await call('post', `/partners/${Q}/tenants/quartz-shop/suspend`, 'parker').expect(403);
      await call('post', `/partners/${Q}/tenants`, 'parker', { slug: 'sneaky', name: 'Sneaky' }).expect(403);
      await call('get', `/partners/${Q}/team`, 'parker').expect(403);
      await call('post', `/partners/${Q}/team`, 'parker', { email: 'spy@reseller.test', role: 'admin' }).expect(403);
      await call('patch', `/partners/${Q}/branding`, 'parker', { displayName: 'Mine' }).expect(403);
      await call('get', `/partners/${Q}/alerts`, 'parker').expect(403);
      // By id, and through the tenant routes.
      await call('get', `/partners/${q.id}`, 'parker').expect(404);
      await call('get', '/tenants/quartz-shop', 'parker').expect(403);
      await call('get', `/partners`, 'parker').expect(403);
      // Through query filters.
      await call('get', `/partners/${P}/tenants?partner=${q.id}`, 'parker').expect(400);
      await call('get', `/partners/${P}/tenants?search=quartz`, 'parker').expect(200, { items: [], total: 0, page: 1, pageSize: 20 });
      expect((await call('get', `/tenants?partner=${q.id}`, 'parker').expect(200)).body.total).toBe(0);
      await call('get', `/partners/${P}/tenants?partner[$ne]=x`, 'parker').expect(400);
      // And the other way round.
      await call('get', `/partners/${P}/tenants/northwind`, 'quinn').expect(403);
      await call('get', `/partners/${Q}/tenants/northwind`, 'quinn').expect(404);

      const after = (await call('get', '/tenants/quartz-shop', 'operator').expect(200)).body;
      expect(after).toMatchObject({ name: before.name, status: before.status, partnerId: q.id });
      await call('get', '/tenants/sneaky', 'operator').expect(404);
      expect((await call('get', `/partners/${Q}/team`, 'operator').expect(200)).body.map((m: { email: string }) => m.email)).toEqual(['quinn@example.test']);
    });

    it('keeps customers, CI and a non-admin operator token out of partner routes', async () => {
      await call('get', `/partners/${P}`, 'carol').expect(403);
      await call('get', `/partners/${P}/tenants/northwind`, 'carol').expect(403);
      bearer['ci'] = await t.idp.machineToken();
      await call('get', `/partners/${P}`, 'ci').expect(403);
      await call('get', `/partners/${P}`).expect(401);
    });
  });

  describe('termination', () => {
    it('soft-terminates a partner: its tenants keep their reference, its team loses access, nothing is deleted', async () => {
      const terminated = await call('delete', `/partners/${Q}`, 'operator', { reason: 'Contract ended' }).expect(200);
      expect(terminated.body.status).toBe('terminated');
      await call('delete', `/partners/${Q}`, 'operator').expect(409);
      expect((await call('get', '/tenants/quartz-shop', 'operator').expect(200)).body).toMatchObject({ partnerId: terminated.body.id, status: 'active' });
      await call('get', `/partners/${Q}/tenants`, 'quinn').expect(403);
      expect((await call('get', '/users/me', 'quinn').expect(200)).body.partners).toEqual([]);
      await call('put', '/tenants/northwind/partner', 'operator', { partner: Q }).expect(409);
      expect((await call('get', '/partners?status=terminated', 'operator').expect(200)).body.items.map((p: Summary) => p.slug)).toEqual([Q]);
      expect((await audit('partner.terminate'))[0]).toMatchObject({ reason: 'Contract ended', changes: { status: { from: 'active', to: 'terminated' } } });
    });

    it('keeps a terminated partner readable for operators and refuses every change to it with 409 PARTNER_TERMINATED, auditing none', async () => {
      await call('get', `/partners/${Q}`, 'operator').expect(200);
      await call('get', `/partners/${Q}/tenants`, 'operator').expect(200);
      await call('get', `/partners/${Q}/team`, 'operator').expect(200);
      const before = (await call('get', '/audit?pageSize=1', 'operator').expect(200)).body.total as number;
      const team = (await call('get', `/partners/${Q}/team`, 'operator').expect(200)).body as { userId: string }[];
      const refusals: [Parameters<typeof call>[0], string, object?][] = [
        ['patch', `/partners/${Q}`, { name: 'Quartz Again' }],
        ['patch', `/partners/${Q}/settings`, { notificationEmail: 'alerts@quartz.example' }],
        ['patch', `/partners/${Q}/branding`, { displayName: 'Quartz' }],
        ['post', `/partners/${Q}/team`, { email: 'new@quartz.example', role: 'member' }],
        ['patch', `/partners/${Q}/team/${team[0]!.userId}`, { role: 'member' }],
        ['delete', `/partners/${Q}/team/${team[0]!.userId}`],
        ['post', `/partners/${Q}/tenants`, { slug: 'quartz-two', name: 'Quartz Two' }],
        ['patch', `/partners/${Q}/tenants/quartz-shop`, { name: 'Renamed' }],
        ['post', `/partners/${Q}/tenants/quartz-shop/suspend`, {}],
        ['delete', `/partners/${Q}`, {}],
        ['put', '/tenants/globex/partner', { partner: Q }],
      ];
      for (const [method, path, body] of refusals) {
        const refused = await call(method, path, 'operator', body).expect(409);
        expect({ route: `${method} ${path}`, ...refused.body }).toMatchObject({ route: `${method} ${path}`, code: 'CONFLICT', reason: 'PARTNER_TERMINATED', message: expect.stringContaining('terminated') });
      }
      expect((await call('get', `/partners/${Q}`, 'operator').expect(200)).body).toMatchObject({ name: 'Quartz Partners', status: 'terminated' });
      expect((await call('get', '/audit?pageSize=1', 'operator').expect(200)).body.total).toBe(before);
      // Its former customer is not terminated with it: an operator may still move it to direct sales.
      await call('delete', '/tenants/quartz-shop/partner', 'operator').expect(200);
    });
  });
});
