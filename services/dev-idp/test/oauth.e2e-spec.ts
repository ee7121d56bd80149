import { authorize, claimsOf, clientCredentials, DEV_IDP_CLIENTS, DevIdpProcess, discover, dropDatabase, signIn, testDatabaseUri, tokenRequest, TEST_REDIRECT_URI } from '@tessera/testing';
import { createHash, randomBytes } from 'node:crypto';

const decodeHeader = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

describe('dev-idp as an OpenID provider shaped like Authentik', () => {
  const database = testDatabaseUri('idp_oauth');
  let idp: DevIdpProcess;
  const carol = { issuer: '', client: DEV_IDP_CLIENTS.portal, username: 'carol', password: DevIdpProcess.PASSWORD };

  beforeAll(async () => {
    idp = await DevIdpProcess.start(database, { seedDemo: true });
    carol.issuer = idp.issuer('portal');
  });
  afterAll(async () => {
    await idp.stop();
    await dropDatabase(database);
  });

  it('serves one issuer per application, each with discovery and a JWKS, at Authentik paths', async () => {
    for (const app of ['portal', 'operator', 'ci'] as const) {
      const discovery = await discover(idp.issuer(app));
      expect(discovery.issuer).toBe(`${idp.origin}/application/o/${app}/`);
      expect(discovery.jwks_uri).toBe(`${idp.origin}/application/o/${app}/jwks/`);
      const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kty: string; alg: string }[] };
      expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256' })]);
    }
  });

  it('signs a person in with PKCE and issues RS256 JWT access tokens for the client, with profile and groups', async () => {
    const tokens = await signIn(carol);
    expect(decodeHeader(tokens.access_token)).toMatchObject({ alg: 'RS256' });
    expect(claimsOf(tokens.access_token)).toMatchObject({
      iss: idp.issuer('portal'),
      aud: 'tessera-portal',
      email: 'carol@northwind.test',
      name: 'Carol Customer',
      preferred_username: 'carol',
      groups: ['tenant:northwind:owner'],
    });
    expect(claimsOf(tokens.access_token)['sub']).toMatch(/^[0-9a-f]{64}$/);
    expect(claimsOf(tokens.id_token!)).toMatchObject({ aud: 'tessera-portal', groups: ['tenant:northwind:owner'] });
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('refreshes tokens with the refresh token', async () => {
    const first = await signIn(carol);
    const refreshed = await tokenRequest((await discover(carol.issuer)).token_endpoint, DEV_IDP_CLIENTS.portal, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(refreshed.status).toBe(200);
    expect(claimsOf(refreshed.body['access_token'] as string)).toMatchObject({ aud: 'tessera-portal', preferred_username: 'carol' });
  });

  it('issues the CI machine client a client_credentials token whose audience is its client id', async () => {
    const tokens = await clientCredentials(idp.issuer('ci'), DEV_IDP_CLIENTS.ci);
    expect(claimsOf(tokens.access_token)).toMatchObject({ iss: idp.issuer('ci'), aud: 'tessera-ci', sub: 'tessera-ci' });
  });

  it('refuses a wrong password on the login page', async () => {
    await expect(authorize({ ...carol, password: 'wrong' })).rejects.toThrow('sign-in refused');
  });

  describe('standard OAuth errors', () => {
    const authorizeUrl = (params: Record<string, string>) => {
      const url = new URL(`${carol.issuer}authorize/`);
      url.search = new URLSearchParams({ response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', ...params }).toString();
      return url.toString();
    };

    it('an unknown client: invalid_client at the authorization and token endpoints', async () => {
      const page = await fetch(authorizeUrl({ client_id: 'nobody', redirect_uri: TEST_REDIRECT_URI }), { redirect: 'manual' });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('invalid_client');
      const token = await tokenRequest((await discover(carol.issuer)).token_endpoint, { id: 'nobody', secret: 'x' }, { grant_type: 'client_credentials' });
      expect(token).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('a wrong client secret: invalid_client', async () => {
      const token = await tokenRequest((await discover(idp.issuer('ci'))).token_endpoint, { id: 'tessera-ci', secret: 'wrong' }, { grant_type: 'client_credentials' });
      expect(token).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('a redirect URI that is not registered: an error page, never a redirect there', async () => {
      const page = await fetch(authorizeUrl({ client_id: 'tessera-portal', redirect_uri: 'https://evil.example/callback' }), { redirect: 'manual' });
      expect(page.status).toBe(400);
      expect(page.headers.get('location')).toBeNull();
      expect(await page.text()).toContain('invalid_redirect_uri');
    });

    it('a replayed authorization code: invalid_grant', async () => {
      const { code, verifier, tokenEndpoint } = await authorize(carol);
      const exchange = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: TEST_REDIRECT_URI };
      expect((await tokenRequest(tokenEndpoint, DEV_IDP_CLIENTS.portal, exchange)).status).toBe(200);
      expect(await tokenRequest(tokenEndpoint, DEV_IDP_CLIENTS.portal, exchange)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('a PKCE verifier that does not match: invalid_grant', async () => {
      const { code, tokenEndpoint } = await authorize(carol);
      const wrongVerifier = randomBytes(32).toString('base64url');
      const answer = await tokenRequest(tokenEndpoint, DEV_IDP_CLIENTS.portal, { grant_type: 'authorization_code', code, code_verifier: wrongVerifier, redirect_uri: TEST_REDIRECT_URI });
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(createHash('sha256').update(wrongVerifier).digest('base64url')).not.toBe('');
    });

    it('an authorization request without PKCE: refused', async () => {
      const url = new URL(`${carol.issuer}authorize/`);
      url.search = new URLSearchParams({ response_type: 'code', scope: 'openid', client_id: 'tessera-portal', redirect_uri: TEST_REDIRECT_URI, state: 's' }).toString();
      const answer = await fetch(url, { redirect: 'manual' });
      expect(new URL(answer.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    });
  });
});

describe('dev-idp storage', () => {
  const database = testDatabaseUri('idp_restart');

  afterAll(() => dropDatabase(database));

  it('keeps accounts, groups and its signing key across a restart', async () => {
    const first = await DevIdpProcess.start(database);
    await first.createPerson('persistent', { groups: ['tenant:kept'] });
    const before = await first.accessToken('persistent', 'portal');
    const jwksBefore = await (await fetch(first.jwksUrl('portal'))).text();
    await first.stop();

    const second = await DevIdpProcess.start(database);
    try {
      expect(await (await fetch(second.jwksUrl('portal'))).text()).toBe(jwksBefore);
      const after = await second.accessToken('persistent', 'portal');
      expect(claimsOf(after)).toMatchObject({ sub: claimsOf(before)['sub'], groups: ['tenant:kept'] });
    } finally {
      await second.stop();
    }
  });
});
