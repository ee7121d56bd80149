import { until } from '@tessera/testing';
import { caller, startAnotherProcess, startAppWithDevIdp } from '../support/app';
import { EventStreamClient } from '../support/sse';

/**
 * GET /events/stream: every change to a tenant the caller may see, as
 * server-sent events, resumable with Last-Event-ID. Read over real HTTP, as a
 * browser reads it, against an API whose events go through the database.
 */
describe('the live event stream', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const open: EventStreamClient[] = [];
  const stream = async (who: string, lastEventId?: string) => {
    const client = await EventStreamClient.open(t, bearer[who]!, lastEventId);
    open.push(client);
    return client;
  };
  const rename = (slug: string, who: string, name: string) => call('patch', `/tenants/${slug}`, who, { name }).expect(200);
  const renamed = (slug: string) => (event: { tenantSlug: string; change: string }) => event.tenantSlug === slug && event.change === 'tenant.update';

  beforeAll(async () => {
    t = await startAppWithDevIdp('live_events');
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const who of ['owen', 'bea', 'mel']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
      ids[who] = (await call('get', '/users/me', who).expect(200)).body.id;
    }
    await call('post', '/tenants', 'owen', { slug: 'live-alpha', name: 'Alpha' }).expect(201);
    await call('post', '/tenants', 'bea', { slug: 'live-beta', name: 'Beta' }).expect(201);
    await call('post', '/tenants/live-alpha/members', 'owen', { email: 'mel@example.test', role: 'member' }).expect(201);
  });
  afterEach(() => open.splice(0).forEach((client) => client.close()));
  afterAll(() => t.close());

  it('refuses a caller without a token, and a pipeline without a person', async () => {
    await call('get', '/events/stream').expect(401);
    const ci = await t.idp.machineToken();
    await t.http().get('/events/stream').set('authorization', `Bearer ${ci}`).expect(403);
  });

  it("shows a member their own tenant's changes as they happen, and nothing of another tenant's", async () => {
    const mel = await stream('mel');
    await rename('live-beta', 'bea', 'Beta, renamed');
    await rename('live-alpha', 'owen', 'Alpha, renamed');
    const seen = await mel.next('the rename of live-alpha', renamed('live-alpha'));
    expect(seen.data).toMatchObject({ type: 'tenant', tenantSlug: 'live-alpha', change: 'tenant.update', tenantId: expect.any(String), at: expect.any(String) });
    expect(seen.id).toBe(seen.data.id);
    // Beta's rename was stored first, so a stream that showed it would have shown it already.
    expect(mel.received.filter((event) => event.data.tenantSlug === 'live-beta')).toEqual([]);
  });

  it("shows an operator every tenant's changes", async () => {
    const operator = await stream('operator');
    await rename('live-beta', 'bea', 'Beta again');
    await rename('live-alpha', 'owen', 'Alpha again');
    await operator.next('the rename of live-beta', renamed('live-beta'));
    await operator.next('the rename of live-alpha', renamed('live-alpha'));
  });

  it('reaches a stream opened on another API process on the same database, both ways', async () => {
    const other = await startAnotherProcess(t);
    try {
      const onOther = await EventStreamClient.open(other, bearer['mel']!);
      open.push(onOther);
      const onFirst = await stream('owen');
      await rename('live-alpha', 'owen', 'Alpha, renamed through the first process');
      await onOther.next('the rename made through the first process', renamed('live-alpha'));
      await caller(other, bearer)('patch', '/tenants/live-alpha', 'owen', { name: 'Alpha, renamed through the second process' }).expect(200);
      // The first stream saw its own process's rename, then the other's: two, none twice.
      const both = await onFirst.several('both renames on the first process', renamed('live-alpha'), 2);
      expect(new Set(both.map((event) => event.id)).size).toBe(2);
      expect((await onOther.several('both renames on the second process', renamed('live-alpha'), 2)).map((event) => event.id)).toEqual(both.map((event) => event.id));
    } finally {
      open.splice(0).forEach((client) => client.close());
      await other.close();
    }
  });

  it('resumes after a dropped connection with every event missed, none twice', async () => {
    const first = await stream('owen');
    await rename('live-alpha', 'owen', 'Seen');
    const seen = await first.next('the first rename', renamed('live-alpha'));
    first.close();

    await rename('live-alpha', 'owen', 'Missed once');
    await rename('live-alpha', 'owen', 'Missed twice');
    // Each change's event is stored before its request answers: everything after `mark` is live.
    const mark = t.clock.now().toISOString();
    const resumed = await stream('owen', seen.id);
    // A rename after the resume: when it arrives, anything sent twice has arrived too (the stream keeps order).
    await rename('live-alpha', 'owen', 'Live again');
    const live = await resumed.next('the live rename', (event) => renamed('live-alpha')(event) && event.at > mark);
    const renames = resumed.received.slice(0, resumed.received.indexOf(live) + 1).filter((event) => renamed('live-alpha')(event.data));
    // The resume also looks back 2 s for events another process stored late, so it may repeat ones
    // the client saw before `seen` (the browser drops ids it has seen); never `seen` itself, never one twice.
    expect(renames.filter((event) => event.data.at > seen.data.at && event.data.at <= mark)).toHaveLength(2);
    expect(new Set(renames.map((event) => event.id)).size).toBe(renames.length);
    expect(renames.map((event) => event.id)).not.toContain(seen.id);
  });

  it('ignores a Last-Event-ID it does not know and streams from now on', async () => {
    const client = await stream('owen', 'not-an-id');
    await rename('live-alpha', 'owen', 'After a bad id');
    await client.next('the rename', renamed('live-alpha'));
  });

  it("stops showing a tenant's changes to a member as soon as they are removed", async () => {
    const mel = await stream('mel');
    await rename('live-alpha', 'owen', 'Mel still sees this');
    await mel.next('the rename before the removal', renamed('live-alpha'));
    await call('delete', `/tenants/live-alpha/members/${ids['mel']}`, 'owen').expect(200);
    const owen = await stream('owen');
    await rename('live-alpha', 'owen', 'Mel must not see this');
    const after = await owen.next('the rename after the removal', (event) => renamed('live-alpha')(event) && event.id !== undefined);
    // Owen's stream has it; Mel's gets the same chance while Owen's receives one change more.
    await rename('live-alpha', 'owen', 'A later change');
    await owen.several('the later change', renamed('live-alpha'), 2);
    expect(mel.received.map((event) => event.id)).not.toContain(after.id);
    expect(mel.received.filter((event) => event.data.change === 'tenant.update')).toHaveLength(1);
  });

  it('shows a partner team its customers’ changes, and stops when the partner is terminated', async () => {
    await call('post', '/partners', 'operator', { slug: 'live-partner', name: 'Live Partner' }).expect(201);
    await call('put', '/tenants/live-beta/partner', 'operator', { partner: 'live-partner' }).expect(200);
    await t.idp.createPerson('pia', { groups: ['partner:live-partner:admin'] });
    bearer['pia'] = await t.idp.accessToken('pia', 'portal');
    await call('get', '/users/me', 'pia').expect(200);
    const before = await stream('pia');
    await rename('live-beta', 'bea', 'Sold by a partner');
    await before.next('the customer’s rename', renamed('live-beta'));
    before.close();

    await call('delete', '/partners/live-partner', 'operator', { reason: 'Contract ended' }).expect(200);
    const after = await stream('pia');
    const owner = await stream('bea');
    await rename('live-beta', 'bea', 'After the partner ended');
    await owner.next('the rename after the termination', (event) => renamed('live-beta')(event));
    await rename('live-beta', 'bea', 'And once more');
    await owner.several('the later rename', renamed('live-beta'), 2);
    expect(after.received.filter((event) => event.data.tenantSlug === 'live-beta')).toEqual([]);
  });

  it('lets one person hold ten streams at once, answers 429 to the eleventh, and frees a place when one closes', async () => {
    const ten = await Promise.all(Array.from({ length: 10 }, () => stream('owen')));
    const eleventh = await fetch(`${await t.app.getUrl()}/events/stream`, { headers: { authorization: `Bearer ${bearer['owen']}` } });
    expect(eleventh.status).toBe(429);
    expect(((await eleventh.json()) as { code: string }).code).toBe('RATE_LIMITED');
    ten[0]!.close();
    // The place is freed when the server sees the close.
    await until('a place frees up', async () => {
      const response = await fetch(`${await t.app.getUrl()}/events/stream`, { headers: { authorization: `Bearer ${bearer['owen']}` } });
      await response.body?.cancel();
      return response.status === 200;
    });
  });
});
