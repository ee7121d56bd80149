import { DevIdpProcess } from '@tessera/testing';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';

/**
 * Every tenant, member and subscription route over HTTP: the happy path and
 * its 401, 403 and 400 answers, with the cast a real deployment has.
 */
describe('tenant routes', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};

  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);

  beforeAll(async () => {
    t = await startAppWithDevIdp('tenants');
    // The cast, created in dev-idp through its admin API and signed in through real OAuth flows.
    for (const [who, username] of [['owner', 'olivia'], ['admin', 'adam'], ['member', 'mike'], ['outsider', 'otto']] as const) {
      await t.idp.createPerson(username, { email: `${username}@example.test` });
      bearer[who] = await t.idp.accessToken(username, 'portal');
    }
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    bearer['ci'] = await t.idp.machineToken();
    // Every person signs in once, as they would through the portal.
    for (const who of ['owner', 'admin', 'member', 'outsider', 'operator']) await call('get', '/users/me', who).expect(200);
  });
  afterAll(() => t.close());

  describe('POST /tenants', () => {
    it('creates a pending tenant whose creator is its owner, with a subscription, and provisions it in the background', async () => {
      const created = await call('post', '/tenants', 'owner', { slug: 'acme', name: 'Acme', plan: 'starter' }).expect(201);
      expect(created.body).toMatchObject({ slug: 'acme', name: 'Acme', plan: 'starter', status: 'pending', partnerId: null });
      expect(Object.values(created.body.provisioning).map((step) => (step as { state: string }).state)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
      // No engine, edge, mail or files here: those steps are skipped with a reason; the identity group is made in dev-idp.
      const done = await provisioned(t, 'acme', bearer['owner']!);
      expect(done.status).toBe('active');
      expect(done.provisioning['identity']).toMatchObject({ state: 'ok' });
      expect(done.provisioning['workspace']).toMatchObject({ state: 'skipped', error: expect.stringContaining('No container engine') });
      expect(done.provisioning['mail']).toMatchObject({ state: 'skipped', error: expect.stringContaining('not configured') });
      const me = await call('get', '/users/me', 'owner').expect(200);
      expect(me.body.memberships).toEqual([{ tenantId: created.body.id, tenantSlug: 'acme', tenantName: 'Acme', tenantStatus: 'active', approval: null, role: 'owner' }]);
      const subscription = await call('get', '/tenants/acme/subscription', 'owner').expect(200);
      expect(subscription.body).toMatchObject({ plan: 'starter', status: 'trialing', monthlyPrice: 1900, currency: 'EUR' });
    });

    it('answers 409 to a slug that is taken', async () => {
      const response = await call('post', '/tenants', 'outsider', { slug: 'acme', name: 'Other' }).expect(409);
      expect(response.body.code).toBe('CONFLICT');
    });

    it.each([
      ['too short', 'ab'],
      ['leading hyphen', '-acme'],
      ['trailing hyphen', 'acme-'],
      ['upper case', 'Acme'],
      ['reserved word', 'admin'],
      ['too long', 'a'.repeat(33)],
      // `--` separates a service from its tenant in a workspace host (docs--acme.<base>).
      ['two hyphens in a row', 'docs--acme'],
    ])('answers 400 naming the slug when it is %s', async (_case, slug) => {
      const response = await call('post', '/tenants', 'owner', { slug, name: 'X' }).expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(response.body.fields)).toEqual(['slug']);
    });

    it('answers 400 to unknown fields and names them', async () => {
      const response = await call('post', '/tenants', 'owner', { slug: 'unknown-field', name: 'X', status: 'active' }).expect(400);
      expect(response.body.fields).toHaveProperty('status');
    });

    it('answers 400 to an operator object and stores nothing', async () => {
      const before = (await call('get', '/tenants?pageSize=100', 'operator').expect(200)).body.total as number;
      await call('post', '/tenants', 'owner', { slug: { $ne: null }, name: 'Smuggled' }).expect(400);
      const after = await call('get', '/tenants?pageSize=100&search=Smuggled', 'operator').expect(200);
      expect(after.body.items).toEqual([]);
      expect((await call('get', '/tenants?pageSize=100', 'operator').expect(200)).body.total).toBe(before);
    });

    it('answers 401 without a token', () => call('post', '/tenants', undefined, { slug: 'nobody', name: 'X' }).expect(401));

    it('answers 403 to a machine token, which has no user to own the tenant', () =>
      call('post', '/tenants', 'ci', { slug: 'machine-made', name: 'X' }).expect(403));
  });

  describe('members', () => {
    it('lets the owner add an admin and a member by email', async () => {
      const added = await call('post', '/tenants/acme/members', 'owner', { email: 'adam@example.test', role: 'admin' }).expect(201);
      expect(added.body).toMatchObject({ email: 'adam@example.test', role: 'admin' });
      await call('post', '/tenants/acme/members', 'admin', { email: 'mike@example.test', role: 'member' }).expect(201);
      const list = await call('get', '/tenants/acme/members', 'member').expect(200);
      expect(list.body.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
        ['olivia@example.test', 'owner'],
        ['adam@example.test', 'admin'],
        ['mike@example.test', 'member'],
      ]);
    });

    it('invites an email nobody has signed in with: created in the identity provider, invited until they sign in, then a member', async () => {
      const invited = await call('post', '/tenants/acme/members', 'owner', { email: 'Gina@Example.test', role: 'member' }).expect(201);
      expect(invited.body).toMatchObject({ email: 'gina@example.test', role: 'member', invited: true });
      const invitedOf = async (email: string) => ((await call('get', '/tenants/acme/members', 'owner').expect(200)).body as { email: string; invited: boolean }[]).find((m) => m.email === email)?.invited;
      expect(await invitedOf('gina@example.test')).toBe(true);
      expect(await invitedOf('olivia@example.test')).toBe(false);
      const { body: found } = await t.idp.admin('GET', '/core/users/?email=gina%40example.test');
      const [person] = (found as { results: { pk: number; username: string }[] }).results;
      expect(person).toBeDefined();
      await t.idp.admin('POST', `/core/users/${person!.pk}/set_password/`, { password: DevIdpProcess.PASSWORD });
      const gina = await t.idp.accessToken(person!.username, 'portal');
      const me = await t.http().get('/users/me').set('authorization', `Bearer ${gina}`).expect(200);
      expect(me.body.memberships).toEqual([expect.objectContaining({ tenantSlug: 'acme', role: 'member' })]);
      expect(await invitedOf('gina@example.test')).toBe(false);
    });

    it('answers 409 when the user is already a member', () =>
      call('post', '/tenants/acme/members', 'owner', { email: 'mike@example.test', role: 'admin' }).expect(409));

    it('answers 400 to a role that does not exist', async () => {
      const response = await call('post', '/tenants/acme/members', 'owner', { email: 'otto@example.test', role: 'god' }).expect(400);
      expect(response.body.fields).toHaveProperty('role');
    });

    it('answers 403 to a plain member managing members', () =>
      call('post', '/tenants/acme/members', 'member', { email: 'otto@example.test', role: 'member' }).expect(403));

    it('answers 403 to an admin granting the owner role', () =>
      call('post', '/tenants/acme/members', 'admin', { email: 'otto@example.test', role: 'owner' }).expect(403));

    it('answers 403 to an outsider listing members, and 401 without a token', async () => {
      await call('get', '/tenants/acme/members', 'outsider').expect(403);
      await call('get', '/tenants/acme/members').expect(401);
    });

    it('changes a role, and refuses to demote the last owner', async () => {
      const me = await call('get', '/users/me', 'member').expect(200);
      const changed = await call('patch', `/tenants/acme/members/${me.body.id}`, 'admin', { role: 'admin' }).expect(200);
      expect(changed.body.role).toBe('admin');
      const owner = await call('get', '/users/me', 'owner').expect(200);
      await call('patch', `/tenants/acme/members/${owner.body.id}`, 'owner', { role: 'member' }).expect(409);
      await call('patch', `/tenants/acme/members/${owner.body.id}`, 'owner', { role: 'boss' }).expect(400);
    });

    it('removes a member softly: they lose access and can be added again', async () => {
      const me = await call('get', '/users/me', 'member').expect(200);
      await call('delete', `/tenants/acme/members/${me.body.id}`, 'owner').expect(200);
      await call('get', '/tenants/acme', 'member').expect(403);
      await call('delete', `/tenants/acme/members/${me.body.id}`, 'owner').expect(404);
      await call('post', '/tenants/acme/members', 'owner', { email: 'mike@example.test', role: 'member' }).expect(201);
      await call('get', '/tenants/acme', 'member').expect(200);
    });

    it('answers 404 to an unknown member id', () => call('delete', '/tenants/acme/members/not-an-id', 'owner').expect(404));
  });

  describe('GET /tenants and GET /tenants/:slug', () => {
    beforeAll(async () => {
      await call('post', '/tenants', 'outsider', { slug: 'otto-works', name: 'Otto Works', plan: 'business' }).expect(201);
    });

    it('shows a member their own tenants only', async () => {
      const list = await call('get', '/tenants', 'outsider').expect(200);
      expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 20 });
      expect(list.body.items[0].slug).toBe('otto-works');
    });

    it('shows an operator every tenant, filtered and searched', async () => {
      const all = await call('get', '/tenants', 'operator').expect(200);
      expect(all.body.items.map((x: { slug: string }) => x.slug)).toEqual(expect.arrayContaining(['acme', 'otto-works', 'default']));
      const business = await call('get', '/tenants?plan=business', 'operator').expect(200);
      expect(business.body.items.map((x: { slug: string }) => x.slug)).toEqual(['otto-works']);
      const bySlug = await call('get', '/tenants?search=otto', 'operator').expect(200);
      expect(bySlug.body.items.map((x: { slug: string }) => x.slug)).toEqual(['otto-works']);
      const byName = await call('get', '/tenants?search=TTO%20WO', 'operator').expect(200);
      expect(byName.body.items.map((x: { slug: string }) => x.slug)).toEqual(['otto-works']);
      const paged = await call('get', '/tenants?pageSize=1&page=2', 'operator').expect(200);
      expect(paged.body.items).toHaveLength(1);
      expect(paged.body.total).toBe(all.body.total);
    });

    it('treats search text literally, not as a pattern', async () => {
      const response = await call('get', '/tenants?search=.*', 'operator').expect(200);
      expect(response.body.total).toBe(0);
    });

    it('answers 400 to a bad filter or page size', async () => {
      await call('get', '/tenants?status=asleep', 'operator').expect(400);
      await call('get', '/tenants?lifecycle=dead', 'operator').expect(400);
      await call('get', '/tenants?pageSize=1000', 'operator').expect(400);
      await call('get', '/tenants?status[$ne]=active', 'operator').expect(400);
    });

    it('answers 401 without a token', () => call('get', '/tenants').expect(401));

    it('reads a tenant for its members and operators, 403 for others, 404 when unknown', async () => {
      await call('get', '/tenants/acme', 'member').expect(200);
      await call('get', '/tenants/acme', 'operator').expect(200);
      await call('get', '/tenants/acme', 'outsider').expect(403);
      await call('get', '/tenants/acme').expect(401);
      await call('get', '/tenants/nope', 'operator').expect(404);
    });
  });

  describe('PATCH /tenants/:slug', () => {
    it('updates name, plan, industry and brand colour for an owner; the subscription follows the plan', async () => {
      const response = await call('patch', '/tenants/acme', 'owner', {
        name: 'Acme Inc',
        plan: 'business',
        industry: 'logistics',
        brandColor: '#12abef',
      }).expect(200);
      expect(response.body).toMatchObject({ name: 'Acme Inc', plan: 'business', domains: [], industry: 'logistics', brandColor: '#12abef' });
      const subscription = await call('get', '/tenants/acme/subscription', 'owner').expect(200);
      expect(subscription.body).toMatchObject({ plan: 'business', monthlyPrice: 4900 });
    });

    it('answers 400 to a bad colour, and to domains, which are proven at /tenants/:slug/domains instead; naming the field', async () => {
      expect((await call('patch', '/tenants/acme', 'owner', { brandColor: 'blue' }).expect(400)).body.fields).toHaveProperty('brandColor');
      expect((await call('patch', '/tenants/acme', 'owner', { domains: ['work.acme.example'] }).expect(400)).body.fields).toHaveProperty('domains');
    });

    it('answers 400 to a $set smuggled in the body', () => call('patch', '/tenants/acme', 'owner', { $set: { status: 'active' } }).expect(400));

    it('answers 403 to a plain member and to an outsider, 401 without a token', async () => {
      await call('patch', '/tenants/acme', 'member', { name: 'Mine' }).expect(403);
      await call('patch', '/tenants/acme', 'outsider', { name: 'Mine' }).expect(403);
      await call('patch', '/tenants/acme', undefined, { name: 'Mine' }).expect(401);
    });
  });

  describe('reconcile and workspace routes', () => {
    it('let the owner reconcile and see the workspace state, which is unknown without an engine', async () => {
      const result = await call('post', '/tenants/acme/reconcile', 'owner').expect(200);
      expect(result.body).toMatchObject({ slug: 'acme', ran: true, steps: { workspace: { state: 'skipped' } } });
      const workspace = await call('get', '/tenants/acme/workspace', 'member').expect(200);
      expect(workspace.body).toMatchObject({ state: 'unknown', reason: 'No container engine is configured' });
    });

    it('refuse members, outsiders and anonymous callers where their role does not reach', async () => {
      await call('post', '/tenants/acme/reconcile', 'member').expect(403);
      await call('post', '/tenants/acme/reconcile', 'admin').expect(403);
      await call('post', '/tenants/acme/workspace/stop', 'member').expect(403);
      await call('post', '/tenants/acme/workspace/restart', 'outsider').expect(403);
      await call('get', '/tenants/acme/workspace', 'outsider').expect(403);
      await call('post', '/tenants/acme/reconcile').expect(401);
      await call('post', '/reconcile').expect(401);
      await call('post', '/reconcile', 'owner').expect(403);
    });

    it('let operators and CI reconcile every tenant', async () => {
      const all = await call('post', '/reconcile', 'operator').expect(200);
      expect(all.body.results.map((r: { slug: string }) => r.slug)).toEqual(expect.arrayContaining(['acme', 'default']));
      await call('post', '/reconcile', 'ci').expect(200);
      await call('post', '/tenants/acme/reconcile', 'ci').expect(200);
    });
  });

  describe('suspend, resume and terminate', () => {
    it('are for operators only', async () => {
      await call('post', '/tenants/acme/suspend', 'owner').expect(403);
      await call('post', '/tenants/acme/terminate', 'admin').expect(403);
      await call('post', '/tenants/acme/suspend', 'ci').expect(403);
      await call('post', '/tenants/acme/suspend').expect(401);
    });

    it('answer 400 to a reason that is not text or unknown fields, and change nothing', async () => {
      await call('post', '/tenants/acme/suspend', 'operator', { reason: 42 }).expect(400);
      await call('post', '/tenants/acme/suspend', 'operator', { force: true }).expect(400);
      expect((await call('get', '/tenants/acme', 'operator').expect(200)).body.status).toBe('active');
    });

    it('move the status along the lifecycle and refuse a move that does not fit', async () => {
      expect((await call('post', '/tenants/acme/suspend', 'operator').expect(200)).body.status).toBe('suspended');
      await call('post', '/tenants/acme/suspend', 'operator').expect(409);
      expect((await call('post', '/tenants/acme/resume', 'operator').expect(200)).body.status).toBe('active');
      expect((await call('post', '/tenants/acme/terminate', 'operator').expect(200)).body.status).toBe('terminated');
      await call('post', '/tenants/acme/resume', 'operator').expect(409);
    });

    it('keeps a terminated tenant readable and refuses changes to it', async () => {
      expect((await call('get', '/tenants/acme', 'owner').expect(200)).body.status).toBe('terminated');
      await call('patch', '/tenants/acme', 'owner', { name: 'Back' }).expect(409);
    });

    it('refuses every change of a terminated tenant with 409 TENANT_TERMINATED and a sentence, to owners and operators, and audits none', async () => {
      const members = (await call('get', '/tenants/acme/members', 'owner').expect(200)).body as { userId: string; role: string }[];
      const someone = members.find((m) => m.role !== 'owner')!.userId;
      await call('post', '/partners', 'operator', { slug: 'lifecycle-partner', name: 'Lifecycle Partner' }).expect(201);
      const before = (await call('get', '/audit?tenant=acme&pageSize=1', 'operator').expect(200)).body.total as number;
      const refusals: [Parameters<typeof call>[0], string, string, object?][] = [
        ['patch', '/tenants/acme', 'owner', { name: 'Back' }],
        ['patch', '/tenants/acme', 'operator', { plan: 'business' }],
        ['patch', '/tenants/acme', 'owner', { keepAwake: true }],
        ['post', '/tenants/acme/workspace/start', 'owner'],
        ['post', '/tenants/acme/workspace/restart', 'owner'],
        ['post', '/tenants/acme/workspace/stop', 'owner'],
        ['post', '/tenants/acme/workspace/restart', 'operator'],
        ['post', '/tenants/acme/members', 'owner', { email: 'otto@example.test', role: 'member' }],
        ['patch', `/tenants/acme/members/${someone}`, 'owner', { role: 'member' }],
        ['delete', `/tenants/acme/members/${someone}`, 'owner'],
        ['post', '/tenants/acme/domains', 'owner', { name: 'work.acme.example' }],
        ['post', '/tenants/acme/domains/work.acme.example/verify', 'owner'],
        ['delete', '/tenants/acme/domains/work.acme.example', 'owner'],
        ['patch', '/tenants/acme/subscription', 'operator', { status: 'active' }],
        ['put', '/tenants/acme/partner', 'operator', { partner: 'lifecycle-partner' }],
        ['delete', '/tenants/acme/partner', 'operator'],
        ['post', '/tenants/acme/suspend', 'operator', { reason: 'Chargeback' }],
        ['post', '/tenants/acme/resume', 'operator'],
        ['post', '/tenants/acme/terminate', 'operator'],
        ['post', '/tenants/acme/approve', 'operator'],
        ['post', '/tenants/acme/reject', 'operator'],
      ];
      for (const [method, path, who, body] of refusals) {
        const refused = await call(method, path, who, body).expect(409);
        expect({ route: `${method} ${path}`, ...refused.body }).toMatchObject({
          route: `${method} ${path}`,
          code: 'CONFLICT',
          reason: 'TENANT_TERMINATED',
          message: 'acme is terminated: it is kept and can be read, but nothing about it can be changed',
        });
      }
      // Nothing changed and nothing was recorded as if it had.
      expect((await call('get', '/tenants/acme', 'owner').expect(200)).body).toMatchObject({ status: 'terminated', partnerId: null, keepAwake: false });
      expect((await call('get', '/audit?tenant=acme&pageSize=1', 'operator').expect(200)).body.total).toBe(before);
      // Those who may not change it at all are answered as before: a refusal tells an outsider nothing new.
      await call('patch', '/tenants/acme', 'outsider', { name: 'Mine' }).expect(403);
      await call('post', '/tenants/acme/workspace/restart', 'member').expect(403);
    });

    it('lists a terminated tenant apart: among the ended, not the live, and says so to its members', async () => {
      const slugs = async (query: string) => (await call('get', `/tenants?pageSize=100&${query}`, 'operator').expect(200)).body.items.map((x: { slug: string }) => x.slug);
      expect(await slugs('lifecycle=ended')).toEqual(['acme']);
      expect(await slugs('lifecycle=live')).toEqual(expect.arrayContaining(['otto-works', 'default']));
      expect(await slugs('lifecycle=live')).not.toContain('acme');
      expect(await slugs('lifecycle=ended&status=active')).toEqual([]);
      expect(await slugs('lifecycle=live&status=active')).toEqual(expect.arrayContaining(['otto-works']));
      const me = await call('get', '/users/me', 'owner').expect(200);
      expect(me.body.memberships).toEqual([expect.objectContaining({ tenantSlug: 'acme', tenantName: expect.any(String), tenantStatus: 'terminated', approval: null })]);
    });

    it('still lets a terminated tenant be reconciled to its end state and its kept data be reached under support access', async () => {
      const result = await call('post', '/tenants/acme/reconcile', 'operator').expect(200);
      expect(result.body).toMatchObject({ slug: 'acme', ran: true });
      await call('post', '/tenants/acme/reconcile', 'ci').expect(200);
      expect((await call('get', '/tenants/acme', 'owner').expect(200)).body.status).toBe('terminated');
      const requested = await call('post', '/tenants/acme/support-access', 'operator', { reason: 'A data request from the owner' }).expect(201);
      await call('post', `/tenants/acme/support-access/${requested.body.id}/deny`, 'owner').expect(200);
    });
  });

  describe('subscription', () => {
    it('lets an operator set status, price and billing ids', async () => {
      const response = await call('patch', '/tenants/otto-works/subscription', 'operator', {
        status: 'past_due',
        monthlyPrice: 3900,
        currency: 'USD',
        externalCustomerId: 'cus_123',
      }).expect(200);
      expect(response.body).toMatchObject({ status: 'past_due', monthlyPrice: 3900, currency: 'USD', externalCustomerId: 'cus_123' });
    });

    it('answers 400 to a negative price or unknown currency', async () => {
      await call('patch', '/tenants/otto-works/subscription', 'operator', { monthlyPrice: -1 }).expect(400);
      await call('patch', '/tenants/otto-works/subscription', 'operator', { currency: 'XXQ' }).expect(400);
    });

    it('answers 403 to the tenant owner changing it, and to outsiders reading it', async () => {
      await call('patch', '/tenants/otto-works/subscription', 'outsider', { status: 'active' }).expect(403);
      await call('get', '/tenants/otto-works/subscription', 'member').expect(403);
      await call('get', '/tenants/otto-works/subscription').expect(401);
    });
  });
});
