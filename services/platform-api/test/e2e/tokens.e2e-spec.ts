import { SignJWT } from 'jose';
import { TestIssuer } from '../support/issuer';
import { AUDIENCES, startAppWithTestIssuer, tokens } from '../support/app';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('token checks against a real issuer', () => {
  let t: Awaited<ReturnType<typeof startAppWithTestIssuer>>;
  let as: ReturnType<typeof tokens>;

  beforeAll(async () => {
    t = await startAppWithTestIssuer('tokens');
    as = tokens(t.issuer);
  });
  afterAll(() => t.close());

  const me = (token: string) => t.http().get('/users/me').set('authorization', `Bearer ${token}`);

  it('accepts a valid portal token signed with RS256', async () => {
    const response = await me(await as.portal('ada'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ subject: 'ada', audience: ['portal'] });
  });

  it('accepts a valid operator token signed with ES256', async () => {
    const esKid = t.issuer.kids.find((kid) => kid.startsWith('es256'));
    const token = await t.issuer.token({ sub: 'grace', aud: AUDIENCES.operator }, { slug: 'operator', kid: esKid });
    const response = await me(token);
    expect(response.status).toBe(200);
    expect(response.body.audience).toEqual(['operator']);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'mallory', aud: AUDIENCES.portal, iss: t.issuer.issuerUrl(), exp: now + 300 })}.`;
    const response = await me(token);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an HS256 token signed with the RSA public key', async () => {
    const secret = new TextEncoder().encode(await t.issuer.rsaPublicPem());
    const token = await new SignJWT({ sub: 'mallory', aud: AUDIENCES.portal })
      .setProtectedHeader({ alg: 'HS256', kid: t.issuer.kids[0] })
      .setIssuer(t.issuer.issuerUrl())
      .setExpirationTime('5m')
      .sign(secret);
    expect((await me(token)).status).toBe(401);
  });

  it('refuses a token from an issuer it does not trust', async () => {
    const token = await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { issuer: `${t.issuer.origin}/application/o/elsewhere/` });
    expect((await me(token)).status).toBe(401);
  });

  it('refuses a token for an audience it does not serve', async () => {
    expect((await me(await t.issuer.token({ sub: 'ada', aud: 'some-other-app' }))).status).toBe(401);
  });

  it('refuses an expired token, beyond the clock tolerance', async () => {
    expect((await me(await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { expiresIn: -120 }))).status).toBe(401);
  });

  it('refuses a token without exp', async () => {
    expect((await me(await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { expiresIn: null }))).status).toBe(401);
  });

  it('refuses a token whose nbf is in the future', async () => {
    expect((await me(await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { notBefore: 600 }))).status).toBe(401);
  });

  it('refuses a token from the portal issuer relabelled for the operator console, although the key is shared', async () => {
    // Authentik's providers may share one signing key: the issuer decides which audience a token may carry.
    const relabelled = await t.issuer.token({ sub: 'mallory', aud: AUDIENCES.operator, groups: ['platform-admins'] }, { slug: 'portal' });
    const response = await t.http().get('/audit').set('authorization', `Bearer ${relabelled}`);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
    expect((await me(relabelled)).status).toBe(401);
  });

  it('refuses a token from the CI issuer relabelled for the operator console or the portal', async () => {
    for (const aud of [AUDIENCES.operator, AUDIENCES.portal]) {
      expect((await me(await t.issuer.token({ sub: 'ci-bot', aud }, { slug: 'ci' }))).status).toBe(401);
    }
    // Its own audience is accepted: then /users/me turns a machine away for having no user (403, not 401).
    expect((await me(await t.issuer.token({ sub: 'ci-bot', aud: AUDIENCES.ci }, { slug: 'ci' }))).status).toBe(403);
  });

  it('refuses a token naming several audiences, even its own issuer\'s next to another', async () => {
    const both = await t.issuer.token({ sub: 'mallory', aud: [AUDIENCES.operator, AUDIENCES.portal] }, { slug: 'operator' });
    const response = await me(both);
    expect(response.status).toBe(401);
    expect(response.body.message).toBe("The token names several of Tessera's audiences");
    expect((await me(await t.issuer.token({ sub: 'mallory', aud: [AUDIENCES.operator, 'another-app'] }, { slug: 'operator' }))).status).toBe(401);
    expect((await me(await t.issuer.token({ sub: 'mallory', aud: [AUDIENCES.portal] }, { slug: 'portal' }))).status).toBe(200);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['not a string', 42],
    ['too long', 'x'.repeat(256)],
  ])('answers 401, never 500, to a token whose sub is %s', async (_what, sub) => {
    const response = await me(await t.issuer.token({ sub, aud: AUDIENCES.portal }));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token\'s "sub" claim is not acceptable' });
  });

  it('refuses a token without sub', async () => {
    const token = await t.issuer.sign({ aud: AUDIENCES.portal, email: 'nobody@example.test' }, { slug: 'portal' });
    expect((await me(token)).status).toBe(401);
  });

  it('refuses a token issued in the future beyond the clock tolerance, and takes one within it', async () => {
    const future = await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { issuedAt: 3_600 });
    const response = await me(future);
    expect(response.status).toBe(401);
    expect(response.body.message).toBe('The token\'s "iat" claim lies in the future');
    expect((await me(await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { issuedAt: 10 }))).status).toBe(200);
  });

  it('answers 403 to an operator-audience token of a user without platformAdmin', async () => {
    const response = await t.http().get('/audit').set('authorization', `Bearer ${await as.operator('linus')}`);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
  });

  it('answers 403 to a platformAdmin presenting a portal-audience token on an operator route', async () => {
    const admin = await as.operator('margaret', { groups: ['platform-admins'] });
    expect((await t.http().get('/audit').set('authorization', `Bearer ${admin}`)).status).toBe(200);
    const portal = await as.portal('margaret', { groups: ['platform-admins'] });
    expect((await t.http().get('/audit').set('authorization', `Bearer ${portal}`)).status).toBe(403);
  });

  it('takes platformAdmin from the admin group only when the user is first seen', async () => {
    expect((await me(await as.operator('barbara'))).status).toBe(200);
    const later = await as.operator('barbara', { groups: ['platform-admins'] });
    expect((await t.http().get('/audit').set('authorization', `Bearer ${later}`)).status).toBe(403);
  });
});

describe('JWKS fetching and key rotation', () => {
  // Far longer than a test takes on a loaded machine: the platform's clock also runs with real time, and only the
  // moved clock may end a cooldown here (at 400 ms, CI's sixteen requests outlasted one and saw a second fetch).
  const cooldownMs = 60_000;
  let t: Awaited<ReturnType<typeof startAppWithTestIssuer>>;

  beforeAll(async () => {
    t = await startAppWithTestIssuer('jwks', { AUTH_JWKS_COOLDOWN_MS: String(cooldownMs) });
  });
  afterAll(() => t.close());

  const me = (token: string) => t.http().get('/users/me').set('authorization', `Bearer ${token}`);

  it('fetches the JWKS again at most once per cooldown for unknown kids', async () => {
    expect((await me(await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }))).status).toBe(200);
    const unknownKid = await t.issuer.addKey('RS256');
    t.issuer.unpublish(unknownKid);
    const forged = await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { kid: unknownKid });

    t.clock.advance(cooldownMs + 100);
    const before = t.issuer.jwksFetches;
    const answers = await Promise.all(Array.from({ length: 8 }, () => me(forged)));
    for (let i = 0; i < 8; i += 1) expect((await me(forged)).status).toBe(401);

    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(401));
    expect(t.issuer.jwksFetches - before).toBe(1);
  });

  it('accepts a new key after rotation and refuses the removed one', async () => {
    const oldKid = t.issuer.kids.find((kid) => kid.startsWith('rs256'))!;
    const oldToken = await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { kid: oldKid });
    expect((await me(oldToken)).status).toBe(200);

    const newKid = await t.issuer.addKey('RS256');
    t.issuer.unpublish(oldKid);
    t.clock.advance(cooldownMs + 100);

    expect((await me(await t.issuer.token({ sub: 'ada', aud: AUDIENCES.portal }, { kid: newKid }))).status).toBe(200);
    expect((await me(oldToken)).status).toBe(401);
  });
});

describe('an issuer whose JWKS endpoint is down', () => {
  let issuer: TestIssuer;
  let t: Awaited<ReturnType<typeof startAppWithTestIssuer>>;

  beforeAll(async () => {
    issuer = await TestIssuer.start();
    t = await startAppWithTestIssuer('jwks_down', {}, issuer);
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
  });

  it('answers 401, never 500', async () => {
    issuer.setDown(true);
    const response = await t.http().get('/users/me').set('authorization', `Bearer ${await tokens(issuer).portal('ada')}`);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token could not be verified right now' });
  });
});
