import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AuditEvent, Page, PersonChange, PersonDetail, PersonSummary } from '@tessera/contracts';
import { until } from '@tessera/testing';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { IdentityDirectory } from '../../src/integrations/identity/identity-directory.port';
import { UsersRepository } from '../../src/users/users.repository';
import { caller, startAppWithDevIdp } from '../support/app';
import { TestClock } from '../support/clock';
import { edgeClient } from '../support/edge';
import { EventStreamClient } from '../support/sse';

jest.setTimeout(60_000);

/**
 * People administration over HTTP with real tokens from dev-idp, whose
 * admin API is the identity provider the platform-admins group lives in.
 */
describe('people administration', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const inAdminGroup = (email: string) => t.app.get(IdentityDirectory).isNamedGroupMember('platform-admins', email);

  beforeAll(async () => {
    t = await startAppWithDevIdp('people', { BASE_DOMAIN: 'tessera.test', EDGE_LOGIN_URL: 'https://portal.tessera.test/workspace-login', INCIDENTS_CHECK_SECONDS: '0' });
    await t.idp.createPerson('opal', { name: 'Opal Operator', groups: ['platform-admins'] });
    bearer['opal'] = await t.idp.accessToken('opal', 'operator');
    await t.idp.createPerson('dora', { name: 'Dora Explorer' });
    bearer['dora'] = await t.idp.accessToken('dora', 'portal');
    bearer['dora-console'] = await t.idp.accessToken('dora', 'operator');
    await t.idp.createPerson('pia', { name: 'Pia Partner' });
    bearer['pia'] = await t.idp.accessToken('pia', 'portal');
    for (const who of ['opal', 'dora', 'pia']) ids[who] = (await call('get', '/users/me', who).expect(200)).body.id as string;
    await call('post', '/tenants', 'dora', { slug: 'doras', name: "Dora's Place" }).expect(201);
    const partner = await call('post', '/partners', 'opal', { slug: 'piapart', name: 'Pia Partners', marginPct: 10 }).expect(201);
    await call('post', `/partners/${partner.body.slug}/team`, 'opal', { email: 'pia@example.test', role: 'admin' }).expect(201);
  });
  afterAll(() => t.close());

  const auditOf = async (action: string): Promise<AuditEvent[]> => ((await call('get', `/audit?action=${action}`, 'opal').expect(200)).body as Page<AuditEvent>).items;

  it('lists and searches people with their tenants, partners, admin flag, state and last sign-in, a page at a time', async () => {
    const found = (await call('get', '/people?search=DORA', 'opal').expect(200)).body as Page<PersonSummary>;
    expect(found.total).toBe(1);
    expect(found.items[0]).toMatchObject({ id: ids['dora'], name: 'Dora Explorer', email: 'dora@example.test', platformAdmin: false, disabledAt: null, tenants: [{ slug: 'doras', name: "Dora's Place", role: 'owner' }], partners: [] });
    expect(Date.parse(found.items[0]!.lastSeenAt!)).toBeGreaterThan(Date.now() - 60_000);
    const pia = (await call('get', '/people?search=pia@example', 'opal').expect(200)).body as Page<PersonSummary>;
    expect(pia.items.map((p) => p.partners)).toEqual([[{ id: expect.any(String), slug: 'piapart', name: 'Pia Partners', role: 'admin' }]]);
    const admins = (await call('get', '/people?admin=true', 'opal').expect(200)).body as Page<PersonSummary>;
    expect(admins.items.map((p) => p.id)).toEqual([ids['opal']]);

    const first = (await call('get', '/people?pageSize=2&page=1', 'opal').expect(200)).body as Page<PersonSummary>;
    const second = (await call('get', '/people?pageSize=2&page=2', 'opal').expect(200)).body as Page<PersonSummary>;
    expect(first.total).toBe(3);
    expect(first.items).toHaveLength(2);
    expect(second.items).toHaveLength(1);
    expect(new Set([...first.items, ...second.items].map((p) => p.id))).toEqual(new Set(Object.values(ids)));

    const one = (await call('get', `/people/${ids['dora']}`, 'opal').expect(200)).body as PersonDetail;
    expect(one).toMatchObject({ subject: expect.any(String), adminGroup: { name: 'platform-admins', member: false } });
    await call('get', '/people/0123456789abcdef01234567', 'opal').expect(404);
    await call('get', '/people/not-an-id', 'opal').expect(404);
    await call('get', '/people?state=gone', 'opal').expect(400);
  });

  it('answers only operators: a portal token, or an operator-audience token of someone not a platform admin, gets 403 and changes nothing', async () => {
    await call('get', '/people', 'dora').expect(403);
    await call('get', '/people', 'dora-console').expect(403);
    await call('get', `/people/${ids['pia']}`, 'dora-console').expect(403);
    await call('post', `/people/${ids['pia']}/disable`, 'dora-console', { reason: 'Trying my luck' }).expect(403);
    await call('post', `/people/${ids['dora']}/admin`, 'dora-console', {}).expect(403);
    await call('get', '/people').expect(401);
    expect((await t.app.get(UsersRepository).fresh(ids['pia']!))?.disabledAt).toBeNull();
    expect((await t.app.get(UsersRepository).fresh(ids['dora']!))?.platformAdmin).toBe(false);
  });

  it('disables someone with a reason, after which the API refuses them on the very next request; re-enabling lets them back in; both audited', async () => {
    await call('get', '/users/me', 'dora').expect(200); // Dora is now in the process's read cache (5 s): disabling must not wait for it.
    await call('post', `/people/${ids['dora']}/disable`, 'opal', {}).expect(400);
    await call('post', `/people/${ids['dora']}/disable`, 'opal', { reason: '   ' }).expect(400);
    await call('get', '/users/me', 'dora').expect(200);

    const disabled = (await call('post', `/people/${ids['dora']}/disable`, 'opal', { reason: 'Left the company' }).expect(200)).body as PersonChange;
    expect(disabled.person.disabledAt).not.toBeNull();
    expect(disabled.message).toMatch(/is disabled/);
    const refused = await call('get', '/users/me', 'dora').expect(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_DISABLED' });
    await call('post', '/tenants', 'dora', { slug: 'doras-second', name: 'Dora again' }).expect(403);
    expect((await call('post', `/people/${ids['dora']}/disable`, 'opal', { reason: 'Again' }).expect(409)).body.message).toMatch(/disabled already/);
    expect((await call('get', '/people?state=disabled', 'opal').expect(200)).body.items.map((p: PersonSummary) => p.id)).toEqual([ids['dora']]);

    await call('post', `/people/${ids['dora']}/enable`, 'opal', { reason: 'Came back' }).expect(200);
    await call('get', '/users/me', 'dora').expect(200);
    await call('post', `/people/${ids['dora']}/enable`, 'opal', {}).expect(409);

    const [disable] = await auditOf('person.disable');
    expect(disable).toMatchObject({ action: 'person.disable', reason: 'Left the company', target: { type: 'user', id: ids['dora'] } });
    expect((await auditOf('person.enable'))[0]).toMatchObject({ reason: 'Came back' });
  });

  it("ends a disabled person's open live event stream, sending it nothing more", async () => {
    const stream = await EventStreamClient.open(t, bearer['dora']!);
    try {
      await call('post', `/people/${ids['dora']}/disable`, 'opal', { reason: 'Stream check' }).expect(200);
      await call('patch', '/tenants/doras', 'opal', { name: "Dora's Place, renamed" }).expect(200);
      await until('the stream ends', () => stream.hasEnded);
      expect(stream.received.filter((event) => event.data.tenantSlug === 'doras' && event.data.change === 'tenant.update')).toEqual([]);
    } finally {
      stream.close();
      await call('post', `/people/${ids['dora']}/enable`, 'opal', {}).expect(200);
    }
    // Re-enabled, she opens a stream again and sees her tenant's changes.
    const again = await EventStreamClient.open(t, bearer['dora']!);
    try {
      await call('patch', '/tenants/doras', 'opal', { name: "Dora's Place" }).expect(200);
      await again.next('the rename after re-enabling', (event) => event.tenantSlug === 'doras' && event.change === 'tenant.update');
    } finally {
      again.close();
    }
  });

  it("refuses a disabled person's workspace cookie at the edge on the next request, and lets it back in when re-enabled", async () => {
    const { ask, signIn, cookieOf } = edgeClient(t);
    const cookie = cookieOf(await signIn(bearer['dora']!, 'https://doras.tessera.test/'));
    // Setting up finishes in the background: the edge answers 'Being set up' (503) or lets through (200), both only to someone it let past identity and role.
    const accepted = async () => {
      const answer = await ask('doras.tessera.test', { cookie, html: false });
      expect([200, 503]).toContain(answer.status);
    };
    await accepted();
    await call('post', `/people/${ids['dora']}/disable`, 'opal', { reason: 'Edge check' }).expect(200);
    const refused = await ask('doras.tessera.test', { cookie }).expect(403);
    expect(refused.text).toContain('Account disabled');
    await call('post', `/people/${ids['dora']}/enable`, 'opal', {}).expect(200);
    await accepted();
  });

  it('is refused by a second API process on the same database within READ_CACHE_SYNC_MS of the disable (its clock moved past the bound, not the cache TTL)', async () => {
    const clock = new TestClock();
    const other: NestExpressApplication = await createApp(t.config, { clock });
    await other.init();
    try {
      const ask = () => request(other.getHttpServer()).get('/tenants').set('authorization', `Bearer ${bearer['dora']}`);
      await ask().expect(200); // Dora is now in the other process's cache.
      await call('post', `/people/${ids['dora']}/disable`, 'opal', { reason: 'Bound check' }).expect(200);
      expect(t.config.readCacheSyncMs).toBeLessThan(t.config.readCacheTtlMs);
      clock.advance(t.config.readCacheSyncMs);
      const refused = await ask().expect(403);
      expect(refused.body.reason).toBe('ACCOUNT_DISABLED');
      await call('post', `/people/${ids['dora']}/enable`, 'opal', {}).expect(200);
      clock.advance(t.config.readCacheSyncMs);
      await ask().expect(200);
    } finally {
      await other.close();
    }
  });

  it("grants platform administration in the identity provider's group and the database, and revokes it from both; audited", async () => {
    expect(await inAdminGroup('dora@example.test')).toBe(false);
    const granted = (await call('post', `/people/${ids['dora']}/admin`, 'opal', { reason: 'Joins operations' }).expect(200)).body as PersonChange;
    expect(granted.person).toMatchObject({ platformAdmin: true, adminGroup: { member: true } });
    expect(await inAdminGroup('dora@example.test')).toBe(true);
    await call('get', '/people', 'dora-console').expect(200);
    await call('post', `/people/${ids['dora']}/admin`, 'opal', {}).expect(409);

    const revoked = (await call('delete', `/people/${ids['dora']}/admin`, 'opal', { reason: 'Left operations' }).expect(200)).body as PersonChange;
    expect(revoked.person).toMatchObject({ platformAdmin: false, adminGroup: { member: false } });
    expect(await inAdminGroup('dora@example.test')).toBe(false);
    await call('get', '/people', 'dora-console').expect(403);

    expect((await auditOf('person.admin.grant'))[0]).toMatchObject({ reason: 'Joins operations', changes: { platformAdmin: { from: false, to: true } } });
    expect((await auditOf('person.admin.revoke'))[0]).toMatchObject({ reason: 'Left operations' });
  });

  it('refuses, with a sentence and no change, disabling or demoting yourself and granting a disabled person', async () => {
    const self = await call('post', `/people/${ids['opal']}/disable`, 'opal', { reason: 'Oops' }).expect(409);
    expect(self.body.message).toMatch(/cannot disable your own account/);
    expect((await call('delete', `/people/${ids['opal']}/admin`, 'opal', {}).expect(409)).body.message).toMatch(/cannot revoke your own/);
    await call('post', `/people/${ids['pia']}/disable`, 'opal', { reason: 'Check' }).expect(200);
    expect((await call('post', `/people/${ids['pia']}/admin`, 'opal', {}).expect(409)).body.message).toMatch(/enable the account/);
    await call('post', `/people/${ids['pia']}/enable`, 'opal', {}).expect(200);
    const opal = await t.app.get(UsersRepository).fresh(ids['opal']!);
    expect(opal).toMatchObject({ platformAdmin: true, disabledAt: null });
  });

  it('keeps one platform admin when two admins revoke each other at the same moment', async () => {
    await call('post', `/people/${ids['dora']}/admin`, 'opal', {}).expect(200);
    const [a, b] = await Promise.all([call('delete', `/people/${ids['dora']}/admin`, 'opal', {}), call('delete', `/people/${ids['opal']}/admin`, 'dora-console', {})]);
    expect([a.status, b.status].filter((status) => status === 200)).toHaveLength(1);
    expect([a.status, b.status].every((status) => [200, 403, 409].includes(status))).toBe(true);
    expect(await t.app.get(UsersRepository).countEnabledPlatformAdmins()).toBe(1);
  });
});
