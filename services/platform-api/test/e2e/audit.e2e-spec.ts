import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';

interface Event {
  action: string;
  actor: { kind: string; subject: string; userId: string | null; name: string | null; email: string | null; role: string };
  target: { type: string; id: string | null; label: string | null; slug: string | null };
  tenant: { id: string; slug: string; name: string } | null;
  partner: { id: string; slug: string; name: string } | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  refs: Record<string, string>;
}

/**
 * The audit log as people read it: each event's actor by name and email with
 * what they are to it (operator, partner admin, owner, member, CI, the
 * platform), its target and tenant named for links, and filters by person
 * (part of a name or email) and by tenant. The stored trail is not changed:
 * names are read with the page.
 */
describe('a readable audit log', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const events = async (query: string, who = 'operator'): Promise<Event[]> => (await call('get', `/audit?pageSize=100&${query}`, who).expect(200)).body.items;

  beforeAll(async () => {
    t = await startAppWithDevIdp('audit_names');
    await t.idp.createPerson('opal', { name: 'Opal Operator', email: 'opal@platform.test', groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    await t.idp.createPerson('olivia', { name: 'Olivia Owner', email: 'olivia@acme.test' });
    bearer['owner'] = await t.idp.accessToken('olivia', 'portal');
    await t.idp.createPerson('mike', { name: 'Mike Member', email: 'mike@acme.test' });
    bearer['member'] = await t.idp.accessToken('mike', 'portal');
    bearer['ci'] = await t.idp.machineToken();
    for (const who of ['operator', 'owner', 'member']) await call('get', '/users/me', who).expect(200);

    await call('post', '/partners', 'operator', { slug: 'resell', name: 'Resell Partners' }).expect(201);
    // Paula is first seen after the partner exists, so her group claim puts her on its team as an admin.
    await t.idp.createPerson('paula', { name: 'Paula Partner', email: 'paula@resell.test', groups: ['partner:resell:admin'] });
    bearer['partner'] = await t.idp.accessToken('paula', 'portal');
    await call('get', '/users/me', 'partner').expect(200);

    await call('post', '/tenants', 'owner', { slug: 'acme', name: 'Acme Ltd' }).expect(201);
    await provisioned(t, 'acme', bearer['owner']!);
    await call('post', '/tenants', 'owner', { slug: 'other', name: 'Other Co' }).expect(201);
    await provisioned(t, 'other', bearer['owner']!);
    await call('post', '/tenants/acme/members', 'owner', { email: 'mike@acme.test', role: 'member' }).expect(201);
    await call('put', '/tenants/acme/partner', 'operator', { partner: 'resell' }).expect(200);
    await call('patch', '/partners/resell/tenants/acme', 'partner', { name: 'Acme Limited' }).expect(200);
    await call('post', '/tenants/acme/suspend', 'operator', { reason: 'Chargeback' }).expect(200);
    await call('post', '/tenants/acme/reconcile', 'ci').expect(200);
    await call('post', '/flags', 'operator', { key: 'new-billing', description: 'The new billing page', owner: 'billing' }).expect(201);
  });
  afterAll(() => t.close());

  it('names each actor with their email and what they are to the event, never only a subject', async () => {
    const all = await events('');
    const by = (action: string) => all.find((event) => event.action === action)!;
    expect(by('tenant.suspend').actor).toMatchObject({ kind: 'operator', name: 'Opal Operator', email: 'opal@platform.test', role: 'operator' });
    expect(by('member.add').actor).toMatchObject({ name: 'Olivia Owner', email: 'olivia@acme.test', role: 'owner' });
    expect(by('tenant.update').actor).toMatchObject({ name: 'Paula Partner', email: 'paula@resell.test', role: 'partner-admin' });
    expect(by('tenant.reconcile').actor).toMatchObject({ kind: 'machine', name: null, email: null, role: 'ci' });
    for (const event of all.filter((e) => e.actor.userId)) expect(event.actor.name).toBeTruthy();
  });

  it('names each target and says what a link to it needs: a tenant, a partner or a flag by its slug or key, a person by name', async () => {
    const all = await events('');
    const by = (action: string) => all.find((event) => event.action === action)!;
    expect(by('tenant.suspend')).toMatchObject({ target: { type: 'tenant', label: 'Acme Limited', slug: 'acme' }, tenant: { slug: 'acme', name: 'Acme Limited' }, partner: { slug: 'resell', name: 'Resell Partners' } });
    expect(by('partner.create').target).toMatchObject({ type: 'partner', label: 'Resell Partners', slug: 'resell' });
    expect(by('flag.create').target).toMatchObject({ type: 'flag', label: 'new-billing', slug: 'new-billing' });
    expect(by('member.add').target).toMatchObject({ type: 'user', label: 'Mike Member', slug: null });
    // Ids in the changes are named beside them: the new owner, the partner attached.
    const created = all.find((event) => event.action === 'tenant.create' && event.tenant?.slug === 'acme')!;
    expect(created.refs[created.changes['owner']!.to as string]).toBe('Olivia Owner');
    const attached = by('tenant.attach-partner');
    expect(attached.refs[attached.changes['partnerId']!.to as string]).toBe('Resell Partners');
  });

  it('filters by person: part of a name or an email, any case, and by a subject as it is', async () => {
    const opal = await events('actor=opal');
    expect(opal.length).toBeGreaterThan(0);
    expect(new Set(opal.map((event) => event.actor.name))).toEqual(new Set(['Opal Operator']));
    expect(opal.map((event) => event.action)).toEqual(expect.arrayContaining(['tenant.suspend', 'partner.create', 'flag.create']));
    expect(new Set((await events('actor=RESELL.TEST')).map((event) => event.actor.name))).toEqual(new Set(['Paula Partner']));
    const ci = (await events('action=tenant.reconcile')).find((event) => event.actor.kind === 'machine')!;
    expect((await events(`actor=${encodeURIComponent(ci.actor.subject)}`)).every((event) => event.actor.kind === 'machine')).toBe(true);
    // Taken literally, never as a pattern.
    expect(await events('actor=.*')).toEqual([]);
    expect(await events('actor=nobody-has-this-name')).toEqual([]);
  });

  it('filters by tenant, and by tenant and person together', async () => {
    const acme = await events('tenant=acme');
    expect(acme.length).toBeGreaterThan(0);
    expect(acme.every((event) => event.tenant?.slug === 'acme')).toBe(true);
    const olivia = await events('tenant=other&actor=olivia');
    expect(olivia.map((event) => event.action)).toEqual(['tenant.create']);
    expect(await events('tenant=nope')).toEqual([]);
  });

  it('answers 400 to a person filter that is not text or too long', async () => {
    await call('get', `/audit?actor=${'x'.repeat(256)}`, 'operator').expect(400);
    await call('get', '/audit?actor=a&actor=b', 'operator').expect(400);
  });

  it("shows a tenant's members its people and partner by name, and the platform's own people only as what they are", async () => {
    const activity = (await call('get', '/tenants/acme/activity?pageSize=100', 'member').expect(200)).body.items as Event[];
    const by = (action: string) => activity.find((event) => event.action === action)!;
    expect(by('member.add').actor).toMatchObject({ name: 'Olivia Owner', role: 'owner' });
    expect(by('tenant.update').actor).toMatchObject({ name: 'Paula Partner', role: 'partner-admin' });
    expect(by('tenant.suspend').actor).toMatchObject({ role: 'operator', name: null, email: null });
    expect(by('tenant.reconcile').actor).toMatchObject({ role: 'ci', name: null });
  });

  it('keeps the stored events as they were written: subjects and user ids, no names', async () => {
    const stored = await t.app.get<Connection>(getConnectionToken()).collection('audit_events').find({}).toArray();
    expect(stored.length).toBeGreaterThan(0);
    for (const event of stored) {
      expect(Object.keys(event.actor as object).sort()).toEqual(['kind', 'subject', 'userId']);
      expect(Object.keys(event.target as object).sort()).toEqual(['id', 'type']);
    }
  });
});
