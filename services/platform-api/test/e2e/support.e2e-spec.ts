import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { caller, startAppWithDevIdp } from '../support/app';

/**
 * Support access with consent, with grants that last 5 s of the platform's
 * clock (the tests move it): an operator asks,
 * an owner decides, the operator reaches the tenant's people and workspace
 * while it lasts, and every action under it is audited with both identities.
 */
describe('support access', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const audit = async (action: string) => (await call('get', `/audit?action=${action}`, 'operator').expect(200)).body.items;

  beforeAll(async () => {
    t = await startAppWithDevIdp('support', { SUPPORT_ACCESS_TTL_SECONDS: '5' });
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const who of ['owen', 'ada', 'mel']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
      ids[who] = (await call('get', '/users/me', who).expect(200)).body.id;
    }
    await call('post', '/tenants', 'owen', { slug: 'helped', name: 'Helped' }).expect(201);
    await call('post', '/tenants/helped/members', 'owen', { email: 'ada@example.test', role: 'admin' }).expect(201);
    await call('post', '/tenants/helped/members', 'owen', { email: 'mel@example.test', role: 'member' }).expect(201);
    ids['operator'] = (await call('get', '/users/me', 'operator').expect(200)).body.id;
  });
  afterAll(() => t.close());

  /** A request of the operator's for support access, with its id. */
  const requestAccess = async (reason: string) => (await call('post', '/tenants/helped/support-access', 'operator', { reason }).expect(201)).body.id as string;
  /** A request approved by the owner: support access that lasts 5 s from now. */
  const approvedAccess = async (reason: string) => {
    const id = await requestAccess(reason);
    await call('post', `/tenants/helped/support-access/${id}/approve`, 'owen').expect(200);
    return id;
  };
  /** Ends every grant: each test starts without support access. */
  afterEach(() => t.clock.advance(5_500));

  it("keeps operators from a tenant's people and workspace without a grant, not from what operators always see", async () => {
    await call('get', '/tenants/helped/members', 'operator').expect(403);
    // Reading what the workspace prints needs a grant; starting and stopping it does not (operators run the platform).
    await call('get', '/tenants/helped/workspace/logs', 'operator').expect(403);
    await call('get', '/tenants/helped', 'operator').expect(200);
    await call('get', '/tenants/helped/subscription', 'operator').expect(200);
    await call('post', '/tenants/helped/reconcile', 'operator').expect(200);
  });

  it('lets only operators ask, with a reason, and only owners decide', async () => {
    await call('post', '/tenants/helped/support-access', 'owen', { reason: 'I want to help myself' }).expect(403);
    await call('post', '/tenants/helped/support-access', 'operator', {}).expect(400);
    const requested = await call('post', '/tenants/helped/support-access', 'operator', { reason: 'Ticket 4711: members cannot sign in' }).expect(201);
    expect(requested.body).toMatchObject({ status: 'pending', reason: 'Ticket 4711: members cannot sign in', operator: { userId: ids['operator'] }, expiresAt: null });
    const grant = requested.body.id as string;
    // Every member sees the request (the portal's banner); admins and members cannot decide, nor the operator.
    expect((await call('get', '/tenants/helped/support-access', 'mel').expect(200)).body).toContainEqual(expect.objectContaining({ id: grant, status: 'pending' }));
    await call('post', `/tenants/helped/support-access/${grant}/approve`, 'ada').expect(403);
    await call('post', `/tenants/helped/support-access/${grant}/approve`, 'operator').expect(403);
    await call('get', '/tenants/helped/members', 'operator').expect(403);
  });

  it("lets the operator reach the tenant's people once an owner approves, auditing every action with both identities", async () => {
    const grant = await requestAccess('Ticket 4712: roles look wrong');
    const approved = await call('post', `/tenants/helped/support-access/${grant}/approve`, 'owen').expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: { userId: ids['owen'] } });
    expect(new Date(approved.body.expiresAt).getTime() - t.clock.now().getTime()).toBeLessThanOrEqual(5_000);
    await call('post', `/tenants/helped/support-access/${grant}/approve`, 'owen').expect(409);

    expect((await call('get', '/tenants/helped/members', 'operator').expect(200)).body).toHaveLength(3);
    await call('patch', `/tenants/helped/members/${ids['mel']}`, 'operator', { role: 'admin' }).expect(200);
    const [read] = await audit('support.read');
    expect(read).toMatchObject({ actor: { kind: 'operator', userId: ids['operator'] }, support: { grantId: grant, approvedBy: ids['owen'] }, target: { id: 'GET /tenants/:slug/members' } });
    const [change] = await audit('member.change-role');
    expect(change).toMatchObject({ actor: { kind: 'operator' }, support: { grantId: grant, approvedBy: ids['owen'] } });
    expect((await audit('support.approve'))[0]).toMatchObject({ actor: { userId: ids['owen'] }, changes: { status: { from: 'pending', to: 'approved' } } });
    // The read is audited, but it is no change: as a live event it would make the page that read it read again, for ever.
    const live = await t.app.get<Connection>(getConnectionToken()).collection('live_events').find({}).toArray();
    expect(live.map((event) => event['change'])).toContain('member.change-role');
    expect(live.map((event) => event['change'])).not.toContain('support.read');
  });

  it('ends when it expires, and the operator sees only what operators always see', async () => {
    const grant = await approvedAccess('Ticket 4713: one more look');
    await call('get', '/tenants/helped/members', 'operator').expect(200);
    t.clock.advance(5_500);
    await call('get', '/tenants/helped/members', 'operator').expect(403);
    expect((await call('get', '/tenants/helped/support-access', 'owen').expect(200)).body.find((g: { id: string }) => g.id === grant).status).toBe('expired');
  });

  it('can be denied, and revoked by an owner before it expires', async () => {
    const denied = (await call('post', '/tenants/helped/support-access', 'operator', { reason: 'Second look please' }).expect(201)).body.id;
    expect((await call('post', `/tenants/helped/support-access/${denied}/deny`, 'owen').expect(200)).body.status).toBe('denied');
    await call('get', '/tenants/helped/members', 'operator').expect(403);
    const revoked = await approvedAccess('Third look please');
    await call('get', '/tenants/helped/members', 'operator').expect(200);
    expect((await call('post', `/tenants/helped/support-access/${revoked}/revoke`, 'owen').expect(200)).body.status).toBe('revoked');
    await call('get', '/tenants/helped/members', 'operator').expect(403);
    await call('post', '/tenants/helped/support-access/not-an-id/approve', 'owen').expect(404);
  });
});
