import { DnsServer } from '@tessera/testing';
import { caller, startAnotherProcess, startAppWithDevIdp } from '../support/app';
import { proveDomain } from '../support/domains';
import { edgeClient } from '../support/edge';

/**
 * Traefik's forwardAuth endpoint, called as Traefik calls it: GET /edge/auth
 * with the visitor's cookies and the X-Forwarded-* headers. Sessions start
 * as a real person would: a portal token asks for a ticket, the workspace
 * host exchanges it for the edge cookie.
 */
describe('edge forwardAuth', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let dns: DnsServer;
  const bearer: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const cookies: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const LOGIN = 'https://portal.tessera.test/edge/start';

  let edge: ReturnType<typeof edgeClient>['ask'];
  let cookieOf: ReturnType<typeof edgeClient>['cookieOf'];
  let signInAs: ReturnType<typeof edgeClient>['signIn'];
  const signIn = (who: string, url: string) => signInAs(bearer[who]!, url);

  beforeAll(async () => {
    dns = await DnsServer.start(['example']);
    t = await startAppWithDevIdp('edge', { BASE_DOMAIN: 'tessera.test', EDGE_LOGIN_URL: LOGIN, SUPPORT_ACCESS_TTL_SECONDS: '5', DNS_RESOLVERS: dns.address });
    ({ ask: edge, cookieOf, signIn: signInAs } = edgeClient(t));
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    bearer['opal'] = await t.idp.accessToken('opal', 'portal');
    for (const who of ['owen', 'mel']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
      ids[who] = (await call('get', '/users/me', who).expect(200)).body.id;
    }
    ids['opal'] = (await call('get', '/users/me', 'opal').expect(200)).body.id;
    await call('post', '/tenants', 'owen', { slug: 'acme', name: 'Acme' }).expect(201);
    await call('post', '/tenants', 'mel', { slug: 'beta', name: 'Beta' }).expect(201);
    await proveDomain(t, bearer['owen']!, 'acme', 'work.acme.example', dns);
    cookies['owen'] = cookieOf(await signIn('owen', 'https://acme.tessera.test/reports?week=47'));
    cookies['mel'] = cookieOf(await signIn('mel', 'https://acme.tessera.test/'));
  });
  afterAll(async () => {
    await t.close();
    await dns.stop();
  });

  it("lets a member through with their identity, and keeps the edge session from the workspace's own cookies", async () => {
    const allowed = await edge('acme.tessera.test', { uri: '/reports', cookie: `theme=dark; ${cookies['owen']}; lang=en` }).expect(200);
    expect(allowed.headers).toMatchObject({
      'x-tessera-user': ids['owen'],
      'x-tessera-email': 'owen@example.test',
      'x-tessera-role': 'owner',
      'x-tessera-tenant': 'acme',
      cookie: 'theme=dark; lang=en',
    });
  });

  it('sets the session on the base domain, HttpOnly and Secure, so one sign-in covers every workspace subdomain', async () => {
    const setCookie = await signIn('mel', 'https://beta.tessera.test/');
    expect(setCookie).toMatch(/^tessera_edge=[\w-]+\.[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Domain=tessera\.test; Secure$/);
    // Mel signed in on acme's host, and is let into beta, her own tenant.
    expect((await edge('beta.tessera.test', { cookie: cookies['mel'] }).expect(200)).headers['x-tessera-role']).toBe('owner');
  });

  it('refuses a member of another tenant with 403', async () => {
    const refused = await edge('acme.tessera.test', { cookie: cookies['mel'] }).expect(403);
    expect(refused.text).toContain('mel@example.test, who is not a member of Acme');
    await edge('beta.tessera.test', { cookie: cookies['owen'] }).expect(403);
  });

  it('sends a visitor without a session to sign in, coming back to the same URL; upgrades and other methods get 401', async () => {
    const redirected = await edge('acme.tessera.test', { uri: '/reports?week=47' }).expect(302);
    expect(redirected.headers['location']).toBe(`${LOGIN}?return=${encodeURIComponent('https://acme.tessera.test/reports?week=47')}`);
    await edge('acme.tessera.test', { upgrade: true, uri: '/socket' }).expect(401);
    await edge('acme.tessera.test', { method: 'POST' }).expect(401);
    // A forged or expired cookie is no session.
    const [payload, signature] = cookies['owen']!.slice('tessera_edge='.length).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), userId: ids['mel'] })).toString('base64url');
    await edge('beta.tessera.test', { cookie: `tessera_edge=${forged}.${signature}` }).expect(302);
  });

  it('hands out sign-in links only for workspace hosts, so a return URL never leaves them', async () => {
    for (const returnUrl of [
      'https://evil.example/steal',
      'https://tessera.test/',
      'https://deep.acme.tessera.test/',
      'https://user:pw@acme.tessera.test/',
      'javascript:alert(1)',
      'not a url',
    ]) {
      const refused = await call('post', '/edge/tickets', 'owen', { returnUrl }).expect(400);
      expect(refused.body.code).toBe('VALIDATION_FAILED');
    }
    await call('post', '/edge/tickets', undefined, { returnUrl: 'https://acme.tessera.test/' }).expect(401);
    await call('post', '/edge/tickets', 'owen', { returnUrl: 'https://acme.tessera.test/', extra: true }).expect(400);
    // A verified custom domain is a workspace host; its session is its own (no Domain attribute).
    const custom = await signIn('owen', 'https://work.acme.example/inbox');
    expect(custom).not.toContain('Domain=');
    expect((await edge('work.acme.example', { cookie: cookieOf(custom) }).expect(200)).headers['x-tessera-tenant']).toBe('acme');
    // …and no good anywhere else.
    await edge('beta.tessera.test', { cookie: cookieOf(custom) }).expect(302);
  });

  it('handles forged and malformed X-Forwarded-Host safely: never a redirect to it, never access by it', async () => {
    const unknown = await edge('evil.example').expect(404);
    expect(unknown.headers['location']).toBeUndefined();
    for (const host of ['acme.tessera.test, evil.example', 'acme.tessera.test/evil', 'acme.tessera.test:99999', '', undefined]) {
      const bad = await edge(host, { cookie: cookies['owen'] }).expect(400);
      expect(bad.headers['location']).toBeUndefined();
    }
    // The path part of a return URL is a path on the same host, never another host.
    const slashes = await edge('acme.tessera.test', { uri: '//evil.example/x' }).expect(302);
    expect(slashes.headers['location']).toBe(`${LOGIN}?return=${encodeURIComponent('https://acme.tessera.test/')}`);
    // A ticket is for its host, and good once.
    const { redirect } = (await call('post', '/edge/tickets', 'owen', { returnUrl: 'https://acme.tessera.test/' }).expect(200)).body as { redirect: string };
    const link = new URL(redirect);
    await edge('beta.tessera.test', { uri: `${link.pathname}${link.search}` }).expect(400);
    await edge('acme.tessera.test', { uri: `${link.pathname}${link.search}` }).expect(302);
    await edge('acme.tessera.test', { uri: `${link.pathname}${link.search}` }).expect(400);
  });

  it('shows a suspended tenant its suspended page, and a terminated one nothing', async () => {
    await call('post', '/tenants', 'owen', { slug: 'paused', name: 'Paused Inc' }).expect(201);
    await call('post', '/tenants/paused/suspend', 'operator', { reason: 'Unpaid' }).expect(200);
    for (const cookie of [undefined, cookies['owen']]) {
      const suspended = await edge('paused.tessera.test', { cookie }).expect(503);
      expect(suspended.text).toContain('Paused Inc is suspended');
    }
    await call('post', '/tenants/paused/terminate', 'operator', { reason: 'Closed' }).expect(200);
    await edge('paused.tessera.test', { cookie: cookies['owen'] }).expect(404);
  });

  it('lets an operator in as support while an owner-approved grant lasts, audited with both identities, and not after it expires', async () => {
    const opal = cookieOf(await signIn('opal', 'https://acme.tessera.test/'));
    await edge('acme.tessera.test', { cookie: opal }).expect(403);
    const grant = (await call('post', '/tenants/acme/support-access', 'operator', { reason: 'Ticket 99: the inbox is empty' }).expect(201)).body.id as string;
    await edge('acme.tessera.test', { cookie: opal }).expect(403);
    await call('post', `/tenants/acme/support-access/${grant}/approve`, 'owen').expect(200);
    const allowed = await edge('acme.tessera.test', { cookie: opal }).expect(200);
    expect(allowed.headers).toMatchObject({ 'x-tessera-user': ids['opal'], 'x-tessera-role': 'support' });
    const events = (await call('get', '/audit?action=support.workspace', 'operator').expect(200)).body.items;
    expect(events).toEqual([expect.objectContaining({ actor: expect.objectContaining({ kind: 'operator', userId: ids['opal'] }), support: { grantId: grant, approvedBy: ids['owen'] } })]);
    // The grant lasts 5 s of the platform's clock: move past it.
    t.clock.advance(5_500);
    await edge('acme.tessera.test', { cookie: opal }).expect(403);
  });

  it('answers JSON instead of a page to clients that ask for it', async () => {
    const refused = await edge('beta.tessera.test', { cookie: cookies['owen'], html: false }).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, title: 'Not allowed' });
  });
  it('refuses a tenant suspended through one API process on another within READ_CACHE_SYNC_MS (its clock moved past that bound, not the cache TTL), and lets it in once resumed', async () => {
    const other = await startAnotherProcess(t, { BASE_DOMAIN: 'tessera.test', EDGE_LOGIN_URL: LOGIN });
    try {
      const otherEdge = edgeClient(other).ask;
      // The other process has the tenant in its caches.
      await otherEdge('beta.tessera.test', { cookie: cookies['mel'] }).expect(200);
      expect((await caller(other, bearer)('get', '/tenants/beta', 'mel').expect(200)).body.status).toBe('active');
      await call('post', '/tenants/beta/suspend', 'operator', { reason: 'Checks a suspension on every process' }).expect(200);
      expect(t.config.readCacheSyncMs).toBeLessThan(t.config.readCacheTtlMs);
      other.clock.advance(t.config.readCacheSyncMs);
      expect((await otherEdge('beta.tessera.test', { cookie: cookies['mel'] }).expect(503)).text).toContain('Beta is suspended');
      expect((await caller(other, bearer)('get', '/tenants/beta', 'mel').expect(200)).body.status).toBe('suspended');
      await call('post', '/tenants/beta/resume', 'operator', { reason: 'The check is over' }).expect(200);
      other.clock.advance(t.config.readCacheSyncMs);
      await otherEdge('beta.tessera.test', { cookie: cookies['mel'] }).expect(200);
    } finally {
      await other.close();
    }
  });
});
