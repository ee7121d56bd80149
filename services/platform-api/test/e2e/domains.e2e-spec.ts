import { DnsServer } from '@tessera/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getConnectionToken } from '@nestjs/mongoose';
import { Types, type Connection } from 'mongoose';
import { CustomDomains } from '../../src/domains/custom-domains.service';
import { caller, startAppWithDevIdp } from '../support/app';
import { proveDomain } from '../support/domains';
import { edgeClient } from '../support/edge';

/**
 * Custom domains are proven by a DNS TXT record on a real DNS server
 * (dnsmasq) before the route or the edge serves them, and no tenant can take
 * a name that is another's or the platform's. The cast (three tenants and
 * their owners) is made once; each test adds the domains it looks at.
 */
describe('custom domains', () => {
  let dns: DnsServer;
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-domains-'));
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  let edge: ReturnType<typeof edgeClient>['ask'];

  const routeOf = (slug: string): string => {
    try {
      return readFileSync(join(dynamicDir, `tenant-${slug}.yml`), 'utf8');
    } catch {
      return '';
    }
  };
  const collection = (name: string) => t.app.get<Connection>(getConnectionToken()).collection(name);
  const claimsOf = (name: string) => collection('tenant_domains').find({ name }).sort({ createdAt: 1 }).toArray();

  beforeAll(async () => {
    dns = await DnsServer.start(['test']);
    t = await startAppWithDevIdp('domains', {
      BASE_DOMAIN: 'tessera.test',
      DNS_RESOLVERS: dns.address,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      EDGE_LOGIN_URL: 'https://portal.tessera.test/edge/start',
      PLATFORM_HOSTS: 'console.platform.test',
    });
    ({ ask: edge } = edgeClient(t));
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const who of ['owen', 'mel', 'max']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
    }
    await call('post', '/tenants', 'owen', { slug: 'acme', name: 'Acme' }).expect(201);
    await call('post', '/tenants', 'mel', { slug: 'beta', name: 'Beta' }).expect(201);
    await call('post', '/tenants', 'max', { slug: 'gamma', name: 'Gamma' }).expect(201);
    bearer['ci'] = await t.idp.machineToken();
  });
  afterAll(async () => {
    await t.close();
    await dns.stop();
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  const add = async (who: string, slug: string, name: string) => (await call('post', `/tenants/${slug}/domains`, who, { name }).expect(201)).body as { name: string; record: { name: string; value: string } };
  const verify = (who: string, slug: string, name: string) => call('post', `/tenants/${slug}/domains/${name}/verify`, who).expect(200);

  it('adds a domain as pending with the TXT record to publish, and neither routes nor serves it yet', async () => {
    const added = await call('post', '/tenants/acme/domains', 'owen', { name: 'Shop.Acme.Test' }).expect(201);
    expect(added.body).toMatchObject({
      name: 'shop.acme.test',
      state: 'pending',
      record: { type: 'TXT', name: '_tessera-challenge.shop.acme.test', value: expect.stringMatching(/^tessera-verify=[\w-]{32}$/) },
      verifiedAt: null,
    });
    expect((await call('get', '/tenants/acme/domains', 'owen').expect(200)).body).toContainEqual(added.body);
    expect((await call('get', '/tenants/acme', 'owen').expect(200)).body.domains).not.toContain('shop.acme.test');
    expect(routeOf('acme')).not.toContain('shop.acme.test');
    await edge('shop.acme.test').expect(404);
  });

  it('keeps a domain pending, saying why, while its record is missing or wrong', async () => {
    await add('owen', 'acme', 'pending.acme.test');
    const missing = await verify('owen', 'acme', 'pending.acme.test');
    expect(missing.body).toMatchObject({ state: 'pending', lastError: expect.stringContaining('no TXT record was found') });
    await dns.publishTxt('_tessera-challenge.pending.acme.test', 'tessera-verify=not-the-token');
    const wrong = await verify('owen', 'acme', 'pending.acme.test');
    expect(wrong.body).toMatchObject({ state: 'pending', lastError: expect.stringContaining('do not hold the expected value') });
    expect(routeOf('acme')).not.toContain('pending.acme.test');
  });

  it('verifies the domain once its record is published: then the route and the edge serve it', async () => {
    const { record } = await add('owen', 'acme', 'live.acme.test');
    await dns.publishTxt(record.name, record.value);
    const verified = await verify('owen', 'acme', 'live.acme.test');
    expect(verified.body).toMatchObject({ state: 'verified', verifiedAt: expect.any(String), lastError: null });
    expect((await call('get', '/tenants/acme', 'owen').expect(200)).body.domains).toContain('live.acme.test');
    expect(routeOf('acme')).toContain('Host(`live.acme.test`)');
    await edge('live.acme.test').expect(302);
    const audit = await call('get', '/audit?action=domain.verify', 'operator').expect(200);
    expect(audit.body.items).toContainEqual(expect.objectContaining({ target: expect.objectContaining({ type: 'domain', id: 'live.acme.test' }), changes: { state: { from: 'pending', to: 'verified' } } }));
  });

  it('never lets another tenant take a verified domain, even with a record of its own published', async () => {
    await proveDomain(t, bearer['owen']!, 'acme', 'taken.acme.test', dns);
    const added = await add('mel', 'beta', 'taken.acme.test');
    await dns.publishTxt(added.record.name, added.record.value);
    const refused = await verify('mel', 'beta', 'taken.acme.test');
    expect(refused.body).toMatchObject({ state: 'pending', lastError: 'taken.acme.test is verified for another workspace already.' });
    expect(routeOf('beta')).not.toContain('taken.acme.test');
    expect((await claimsOf('taken.acme.test')).filter((claim) => claim['state'] === 'verified')).toHaveLength(1);
  });

  it("refuses the unique index's second verified owner of a name, whatever writes it", async () => {
    await proveDomain(t, bearer['owen']!, 'acme', 'unique.acme.test', dns);
    const verified = (await claimsOf('unique.acme.test')).find((claim) => claim['state'] === 'verified')!;
    const copy = { ...verified, _id: new Types.ObjectId(), key: `copy:${String(verified['_id'])}` };
    await expect(collection('tenant_domains').insertOne(copy)).rejects.toMatchObject({ code: 11000 });
  });

  it.each([
    ["another tenant's address", 'beta.tessera.test'],
    ['a reserved name', 'admin.tessera.test'],
    ['the base domain', 'tessera.test'],
    ['a name deeper under the base domain', 'a.b.tessera.test'],
    ["the portal's host", 'portal.tessera.test'],
    ['a listed platform host', 'console.platform.test'],
    ['localhost', 'localhost'],
    ['an IP address', '127.0.0.1'],
  ])('refuses %s with 400 and stores nothing', async (_what, name) => {
    const response = await call('post', '/tenants/acme/domains', 'owen', { name }).expect(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
    expect(await claimsOf(name)).toEqual([]);
  });

  it('refuses a domain named twice on one tenant with 409', async () => {
    await add('owen', 'acme', 'twice.acme.test');
    await call('post', '/tenants/acme/domains', 'owen', { name: 'twice.acme.test' }).expect(409);
  });

  it('no longer takes domains through PATCH /tenants, the route of the original attack', async () => {
    const response = await call('patch', '/tenants/acme', 'owen', { domains: ['beta.tessera.test'] }).expect(400);
    expect(response.body.fields).toHaveProperty('domains');
    expect(routeOf('acme')).not.toContain('beta.tessera.test');
  });

  it('verifies a pending domain when reconcile finds its record, from the owner or from CI', async () => {
    const added = await add('max', 'gamma', 'ci.gamma.test');
    await dns.publishTxt(added.record.name, added.record.value);
    await call('post', '/reconcile', 'ci').expect(200);
    expect((await call('get', '/tenants/gamma/domains', 'max').expect(200)).body).toContainEqual(expect.objectContaining({ name: 'ci.gamma.test', state: 'verified' }));
    expect(routeOf('gamma')).toContain('Host(`ci.gamma.test`)');
    const byOwner = await add('max', 'gamma', 'owner.gamma.test');
    await dns.publishTxt(byOwner.record.name, byOwner.record.value);
    await call('post', '/tenants/gamma/reconcile', 'max').expect(200);
    expect(routeOf('gamma')).toContain('Host(`owner.gamma.test`)');
  });

  it('keeps a domain pending and answers 200 when DNS cannot be asked', async () => {
    await add('max', 'gamma', 'offline.gamma.test');
    await dns.pause();
    try {
      const answer = await verify('max', 'gamma', 'offline.gamma.test');
      expect(answer.body).toMatchObject({ state: 'pending', lastError: expect.stringContaining('DNS could not be asked') });
    } finally {
      await dns.resume();
    }
  });

  it('lets a member read the domains but not add, verify or remove them', async () => {
    await add('owen', 'acme', 'members.acme.test');
    await call('post', '/tenants/acme/members', 'owen', { email: 'max@example.test', role: 'member' }).expect(201);
    expect((await call('get', '/tenants/acme/domains', 'max').expect(200)).body).toContainEqual(expect.objectContaining({ name: 'members.acme.test' }));
    await call('post', '/tenants/acme/domains', 'max', { name: 'x.acme.test' }).expect(403);
    await call('post', '/tenants/acme/domains/members.acme.test/verify', 'max').expect(403);
    await call('delete', '/tenants/acme/domains/members.acme.test', 'max').expect(403);
    await call('get', '/tenants/beta/domains', 'owen').expect(403);
  });

  it('removes a domain: the route drops it and the name is free for a tenant that proves it', async () => {
    await proveDomain(t, bearer['owen']!, 'acme', 'moving.acme.test', dns);
    const claim = await add('mel', 'beta', 'moving.acme.test');
    await dns.publishTxt(claim.record.name, claim.record.value);
    await call('delete', '/tenants/acme/domains/moving.acme.test', 'owen').expect(200);
    expect(routeOf('acme')).not.toContain('moving.acme.test');
    await edge('moving.acme.test').expect(404);
    expect((await verify('mel', 'beta', 'moving.acme.test')).body.state).toBe('verified');
    expect(routeOf('beta')).toContain('Host(`moving.acme.test`)');
    expect((await claimsOf('moving.acme.test')).map((c) => c['state']).sort()).toEqual(['removed', 'verified']);
  });

  it("frees a terminated tenant's domains", async () => {
    await call('post', '/tenants', 'mel', { slug: 'ending', name: 'Ending' }).expect(201);
    await proveDomain(t, bearer['mel']!, 'ending', 'shop.ending.test', dns);
    await call('post', '/tenants/ending/terminate', 'operator', { reason: 'closed' }).expect(200);
    expect((await claimsOf('shop.ending.test')).map((claim) => claim['state'])).toEqual(['removed']);
    await proveDomain(t, bearer['owen']!, 'acme', 'shop.ending.test', dns);
    expect(routeOf('acme')).toContain('Host(`shop.ending.test`)');
  });

  it('turns domains stored before verification existed into pending ones, unrouted', async () => {
    await call('post', '/tenants', 'max', { slug: 'legacy', name: 'Legacy' }).expect(201);
    await proveDomain(t, bearer['max']!, 'legacy', 'proven.legacy.test', dns);
    await collection('tenants').updateOne({ slug: 'legacy' }, { $set: { domains: ['proven.legacy.test', 'old.legacy.test'] } });
    await t.app.get(CustomDomains).provePreviousDomains();
    const listed = (await call('get', '/tenants/legacy/domains', 'max').expect(200)).body as { name: string; state: string }[];
    expect(listed.map((domain) => [domain.name, domain.state])).toEqual([
      ['proven.legacy.test', 'verified'],
      ['old.legacy.test', 'pending'],
    ]);
    expect((await call('get', '/tenants/legacy', 'max').expect(200)).body.domains).toEqual(['proven.legacy.test']);
  });
});
