import { ReconcileService } from '../../src/provisioning/reconcile.service';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';

/**
 * Sign-up approval: a platform setting that makes new portal sign-ups wait
 * for an operator. Each test makes the sign-ups it looks at.
 */
describe('sign-up approval', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const audit = async (action: string) => (await call('get', `/audit?action=${action}`, 'operator').expect(200)).body.items;
  const approvalOn = () => call('patch', '/system/settings', 'operator', { signupApproval: true }).expect(200);
  const signUp = async (who: string, slug: string) => (await call('post', '/tenants', who, { slug, name: slug, plan: 'starter' }).expect(201)).body;
  const queued = async () => (await call('get', '/approvals', 'operator').expect(200)).body.items.map((x: { slug: string }) => x.slug) as string[];

  beforeAll(async () => {
    t = await startAppWithDevIdp('approvals');
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const who of ['sam', 'rob']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
    }
  });
  afterAll(() => t.close());

  it('is off by default, and operators switch it on, audited; nobody else may', async () => {
    expect((await call('get', '/system/settings', 'operator').expect(200)).body).toEqual({ signupApproval: false, updatedAt: null });
    await call('patch', '/system/settings', 'sam', { signupApproval: true }).expect(403);
    await call('patch', '/system/settings', 'operator', { signupApproval: 'yes' }).expect(400);
    await call('patch', '/system/settings', 'operator', { signupApproval: true, extra: 1 }).expect(400);
    expect((await call('patch', '/system/settings', 'operator', { signupApproval: true }).expect(200)).body.signupApproval).toBe(true);
    expect((await audit('settings.update'))[0]).toMatchObject({ changes: { signupApproval: { from: false, to: true } } });
  });

  it('holds a sign-up until an operator approves it: nothing is provisioned, not even by a reconcile', async () => {
    await approvalOn();
    const created = await signUp('sam', 'waiting');
    expect(created).toMatchObject({ status: 'pending', approval: 'pending', health: { status: 'degraded', reasons: ['Waiting for an operator to approve the sign-up'] } });
    const reconciled = await call('post', '/tenants/waiting/reconcile', 'sam').expect(200);
    expect(reconciled.body.ran).toBe(false);
    // Whatever the create started in the background has finished: then nothing may be provisioned.
    await t.app.get(ReconcileService).settled();
    const stored = (await call('get', '/tenants/waiting', 'sam').expect(200)).body;
    expect(Object.values(stored.provisioning).map((step) => (step as { state: string }).state)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    const { body: groups } = await t.idp.admin('GET', '/core/groups/?name=tenant%3Awaiting');
    expect((groups as { results: unknown[] }).results).toHaveLength(0);
  });

  it('queues waiting sign-ups for operators, oldest first', async () => {
    await approvalOn();
    await signUp('sam', 'queued-first');
    await signUp('rob', 'queued-second');
    const queue = await queued();
    expect(queue.filter((slug) => slug.startsWith('queued-'))).toEqual(['queued-first', 'queued-second']);
    await call('get', '/approvals', 'sam').expect(403);
  });

  it('provisions an approved sign-up to active, audited', async () => {
    await approvalOn();
    await signUp('sam', 'approve-me');
    const approved = await call('post', '/tenants/approve-me/approve', 'operator', { reason: 'Known customer' }).expect(200);
    expect(approved.body.approval).toBe('approved');
    expect((await provisioned(t, 'approve-me', bearer['sam']!)).status).toBe('active');
    expect((await audit('tenant.approve'))[0]).toMatchObject({ reason: 'Known customer', changes: { approval: { from: 'pending', to: 'approved' } } });
    await call('post', '/tenants/approve-me/approve', 'operator').expect(409);
    await signUp('rob', 'not-yours');
    await call('post', '/tenants/not-yours/approve', 'rob').expect(403);
  });

  it('terminates a rejected sign-up without provisioning it, and cancels its subscription', async () => {
    await approvalOn();
    await signUp('rob', 'refused');
    const rejected = await call('post', '/tenants/refused/reject', 'operator', { reason: 'Looks like spam' }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'terminated', approval: 'rejected', health: { status: 'down' } });
    expect((await call('get', '/tenants/refused/subscription', 'rob').expect(200)).body.status).toBe('canceled');
    expect((await audit('tenant.reject'))[0]).toMatchObject({ reason: 'Looks like spam' });
    await call('post', '/tenants/refused/approve', 'operator').expect(409);
    expect(await queued()).not.toContain('refused');
  });

  it('lets operators and partners create tenants without approval', async () => {
    await approvalOn();
    const byOperator = await call('post', '/tenants', 'operator', { slug: 'by-operator', name: 'By Operator' }).expect(201);
    expect(byOperator.body.approval).toBeNull();
    await call('post', '/partners', 'operator', { slug: 'approvals-partner', name: 'Partner' }).expect(201);
    const byPartner = await call('post', '/partners/approvals-partner/tenants', 'operator', { slug: 'by-partner', name: 'By Partner' }).expect(201);
    expect(byPartner.body.approval).toBeNull();
    expect((await provisioned(t, 'by-partner', bearer['operator']!)).status).toBe('active');
  });
});
