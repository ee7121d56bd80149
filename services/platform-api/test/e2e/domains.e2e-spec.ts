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
 * a name that is another's or the platform's.
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
  });
  afterAll(async () => {
    await t.close();
    await dns.stop();
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('adds a domain as pending with the TXT record to publish, and neither routes nor serves it yet', async () => {
    const added = await call('post', '/tenants/acme/domains', 'owen', { name: 'Shop.Acme.Test' }).expect(201);
    expect(added.body).toMatchObject({
      name: 'shop.acme.test',
      state: 'pending',
      record: { type: 'TXT', name: '_tessera-challenge.shop.acme.test', value: expect.stringMatching(/^tessera-verify=[\w-]{32}$/) },
      verifiedAt: null,
    });
    expect((await call('get', '/tenants/acme/domains', 'owen').expect(200)).body).toEqual([added.body]);
    expect((await call('get', '/tenants/acme', 'owen').expect(200)).body.domains).toEqual([]);
    expect(routeOf('acme')).not.toContain('shop.acme.test');
    await edge('shop.acme.test').expect(404);
  });

  it('keeps a domain pending, saying why, while its record is missing or wrong', async () => {
    const missing = await call('post', '/tenants/acme/domains/shop.acme.test/verify', 'owen').expect(200);
    expect(missing.body).toMatchObject({ state: 'pending', lastError: expect.stringContaining('no TXT record was found') });
    await dns.publishTxt('_tessera-challenge.shop.acme.test', 'tessera-verify=not-the-token');
    const wrong = await call('post', '/tenants/acme/domains/shop.acme.test/verify', 'owen').expect(200);
    expect(wrong.body).toMatchObject({ state: 'pending', lastError: expect.stringContaining('do not hold the expected value') });
    expect(routeOf('acme')).not.toContain('shop.acme.test');
  });

  it('verifies the domain once its record is published: then the route and the edge serve it', async () => {
    const { record } = (await call('get', '/tenants/acme/domains', 'owen').expect(200)).body[0];
    await dns.publishTxt(record.name, record.value);
    const verified = await call('post', '/tenants/acme/domains/shop.acme.test/verify', 'owen').expect(200);
    expect(verified.body).toMatchObject({ state: 'verified', verifiedAt: expect.any(String), lastError: null });
    expect((await call('get', '/tenants/acme', 'owen').expect(200)).body.domains).toEqual(['shop.acme.test']);
    expect(routeOf('acme')).toContain('Host(`shop.acme.test`)');
    await edge('shop.acme.test').expect(302);
    const audit = await call('get', '/audit?action=domain.verify', 'operator').expect(200);
    expect(audit.body.items.map((event: { changes: object }) => event.changes)).toContainEqual({ state: { from: 'pending', to: 'verified' } });
  });

  it("never lets another tenant take a verified domain, even with a record of its own published", async () => {
    const added = await call('post', '/tenants/beta/domains', 'mel', { name: 'shop.acme.test' }).expect(201);
    await dns.publishTxt(added.body.record.name, added.body.record.value);
    const refused = await call('post', '/tenants/beta/domains/shop.acme.test/verify', 'mel').expect(200);
    expect(refused.body).toMatchObject({ state: 'pending', lastError: 'shop.acme.test is verified for another workspace already.' });
    expect(routeOf('beta')).not.toContain('shop.acme.test');
    expect((await claimsOf('shop.acme.test')).filter((claim) => claim['state'] === 'verified')).toHaveLength(1);
  });

  it("refuses the unique index's second verified owner of a name, whatever writes it", async () => {
    const verified = (await claimsOf('shop.acme.test')).find((claim) => claim['state'] === 'verified')!;
    const copy = { ...verified, _id: new Types.ObjectId(), key: `copy:${String(verified['_id'])}` };
    await expect(collection('tenant_domains').insertOne(copy)).rejects.toMatchObject({ code: 11000 });
  });

  it.each([
    ['another tenant\'s address', 'beta.tessera.test'],
    ['a reserved name', 'admin.tessera.test'],
    ['the base domain', 'tessera.test'],
    ['a name deeper under the base domain', 'a.b.tessera.test'],
    ['the portal\'s host', 'portal.tessera.test'],
    ['a listed platform host', 'console.platform.test'],
    ['localhost', 'localhost'],
    ['an IP address', '127.0.0.1'],
  ])('refuses %s with 400 and stores nothing', async (_what, name) => {
    const response = await call('post', '/tenants/acme/domains', 'owen', { name }).expect(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
    expect(await claimsOf(name)).toEqual([]);
  });

  it('refuses a domain named twice on one tenant with 409', async () => {
    await call('post', '/tenants/acme/domains', 'owen', { name: 'shop.acme.test' }).expect(409);
  });

  it('no longer takes domains through PATCH /tenants, the route of the original attack', async () => {
    const response = await call('patch', '/tenants/acme', 'owen', { domains: ['beta.tessera.test'] }).expect(400);
    expect(response.body.fields).toHaveProperty('domains');
    expect(routeOf('acme')).not.toContain('beta.tessera.test');
  });

  it('verifies a pending domain when reconcile finds its record, from the owner or from CI', async () => {
    const added = await call('post', '/tenants/gamma/domains', 'max', { name: 'gamma.example.test' }).expect(201);
    await dns.publishTxt(added.body.record.name, added.body.record.value);
    bearer['ci'] = await t.idp.machineToken();
    await call('post', '/reconcile', 'ci').expect(200);
    expect((await call('get', '/tenants/gamma/domains', 'max').expect(200)).body[0].state).toBe('verified');
    expect(routeOf('gamma')).toContain('Host(`gamma.example.test`)');
  });

  it('keeps a domain pending and answers 200 when DNS cannot be asked', async () => {
    await call('post', '/tenants/gamma/domains', 'max', { name: 'offline.example.test' }).expect(201);
    await dns.pause();
    try {
      const answer = await call('post', '/tenants/gamma/domains/offline.example.test/verify', 'max').expect(200);
      expect(answer.body).toMatchObject({ state: 'pending', lastError: expect.stringContaining('DNS could not be asked') });
    } finally {
      await dns.resume();
    }
  });

  it('lets a member read the domains but not add, verify or remove them', async () => {
    await call('post', '/tenants/acme/members', 'owen', { email: 'mel@example.test', role: 'member' }).expect(201);
    await call('get', '/tenants/acme/domains', 'mel').expect(200);
    await call('post', '/tenants/acme/domains', 'mel', { name: 'x.acme.test' }).expect(403);
    await call('post', '/tenants/acme/domains/shop.acme.test/verify', 'mel').expect(403);
    await call('delete', '/tenants/acme/domains/shop.acme.test', 'mel').expect(403);
    await call('get', '/tenants/beta/domains', 'owen').expect(403);
  });

  it('removes a domain: the route drops it and the name is free for a tenant that proves it', async () => {
    await call('delete', '/tenants/acme/domains/shop.acme.test', 'owen').expect(200);
    expect(routeOf('acme')).not.toContain('shop.acme.test');
    await edge('shop.acme.test').expect(404);
    const taken = await call('post', '/tenants/beta/domains/shop.acme.test/verify', 'mel').expect(200);
    expect(taken.body.state).toBe('verified');
    expect(routeOf('beta')).toContain('Host(`shop.acme.test`)');
    const removed = await claimsOf('shop.acme.test');
    expect(removed.map((claim) => claim['state']).sort()).toEqual(['removed', 'verified']);
  });

  it("frees a terminated tenant's domains", async () => {
    await call('post', '/tenants/beta/terminate', 'operator', { reason: 'closed' }).expect(200);
    expect((await claimsOf('shop.acme.test')).map((claim) => claim['state'])).toEqual(['removed', 'removed']);
    await proveDomain(t, bearer['owen']!, 'acme', 'shop.acme.test', dns);
    expect(routeOf('acme')).toContain('Host(`shop.acme.test`)');
  });

  it('turns domains stored before verification existed into pending ones, unrouted', async () => {
    await collection('tenants').updateOne({ slug: 'gamma' }, { $set: { domains: ['gamma.example.test', 'legacy.gamma.test'] } });
    await t.app.get(CustomDomains).provePreviousDomains();
    const listed = (await call('get', '/tenants/gamma/domains', 'max').expect(200)).body as { name: string; state: string }[];
    expect(listed.map((domain) => [domain.name, domain.state])).toEqual([
      ['gamma.example.test', 'verified'],
      ['offline.example.test', 'pending'],
      ['legacy.gamma.test', 'pending'],
    ]);
    expect((await call('get', '/tenants/gamma', 'max').expect(200)).body.domains).toEqual(['gamma.example.test']);
  });
});
