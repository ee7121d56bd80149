import { launchChromium, signInWithBrowser, startPlatformStack, until, type PlatformStack } from '@tessera/testing';
import type { Browser, Page } from 'playwright-core';

/**
 * The session's life, with dev-idp issuing access tokens that live 6 s, the
 * portal renewing them 5 s before they expire (so one is due a second after
 * it is issued) and the API allowing no clock skew. The tests wait on
 * conditions (a token refused, a page reached), never for a fixed time.
 */
describe('the portal session', () => {
  let stack: PlatformStack;
  let browser: Browser;
  let page: Page;
  let firstToken: string;

  beforeAll(async () => {
    stack = await startPlatformStack('portal_session', {
      idpEnv: { DEV_IDP_ACCESS_TOKEN_TTL_SECONDS: '6' },
      portalEnv: { NUXT_OIDC_PROVIDERS_OIDC_SESSION_CONFIGURATION_EXPIRATION_THRESHOLD: '5' },
      apiEnv: { AUTH_CLOCK_TOLERANCE_SECONDS: '0' },
    });
    const pk = await stack.idp.createPerson('rita');
    await stack.api(await stack.token('rita', 'portal'), 'POST', '/tenants', { slug: 'renewals', name: 'Renewals' });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await signInWithBrowser(page, stack.portalOrigin, 'rita', '/t/renewals');
    // Issued after the page's own token: once this one has expired, so has the page's first.
    firstToken = await stack.token('rita', 'portal');
    (page as Page & { ritaPk?: number }).ritaPk = pk;
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('lands where the user was headed after signing in', () => {
    expect(new URL(page.url()).pathname).toBe('/t/renewals');
  });

  it('never returns to another site after signing in, whatever the return path says', async () => {
    for (const next of ['//elsewhere.example/', '/\\elsewhere.example/', '/%09/elsewhere.example/', 'https://elsewhere.example/']) {
      await page.goto(`${stack.portalOrigin}/login?next=${encodeURIComponent(next)}`).catch(() => undefined);
      expect(new URL(page.url()).origin).toBe(stack.portalOrigin);
    }
  });

  it('renews the tokens with the refresh token when they are due, without the user noticing', async () => {
    // Past the expiry of a token issued after the page's: the API refuses it, so every answer below needs a renewed one.
    await until('a token issued at sign-in has expired at the API', async () => (await fetch(`${stack.apiOrigin}/users/me`, { headers: { authorization: `Bearer ${firstToken}` } })).status === 401, {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    await page.reload();
    await page.locator('[data-test=tenant-status][data-status=active]').waitFor();
    expect(await page.evaluate(() => fetch('/api/tenants/renewals').then((r) => r.status))).toBe(200);
    const [a, b] = await page.evaluate(() => Promise.all([fetch('/api/me').then((r) => r.status), fetch('/api/tenants').then((r) => r.status)]));
    expect([a, b]).toEqual([200, 200]);
  });

  it('shows the session-expired page once the tokens can no longer be renewed', async () => {
    // The identity provider disables the account: the next renewal is refused.
    await stack.idp.admin('PATCH', `/core/users/${(page as Page & { ritaPk?: number }).ritaPk}/`, { is_active: false });
    await until(
      'the portal sends rita to the session-expired page',
      async () => {
        await page.reload();
        return new URL(page.url()).pathname === '/session-expired';
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(await page.locator('h1').textContent()).toContain('expired');
    expect(await page.evaluate(() => fetch('/api/me').then((r) => r.status))).toBe(401);
  });
});
