import { launchChromium, signInWithBrowser, startPlatformStack, type PlatformStack } from '@tessera/testing';
import type { Browser, Page } from 'playwright-core';

/**
 * The session's life, with dev-idp issuing access tokens that live 12 s and
 * the portal renewing them 5 s before they expire.
 */
describe('the portal session', () => {
  let stack: PlatformStack;
  let browser: Browser;
  let page: Page;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    stack = await startPlatformStack('portal_session', {
      idpEnv: { DEV_IDP_ACCESS_TOKEN_TTL_SECONDS: '12' },
      portalEnv: { NUXT_OIDC_PROVIDERS_OIDC_SESSION_CONFIGURATION_EXPIRATION_THRESHOLD: '5' },
    });
    const pk = await stack.idp.createPerson('rita');
    const token = await stack.token('rita', 'portal');
    await stack.api(token, 'POST', '/tenants', { slug: 'renewals', name: 'Renewals' });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await signInWithBrowser(page, stack.portalOrigin, 'rita', '/t/renewals');
    (page as Page & { ritaPk?: number }).ritaPk = pk;
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('lands where the user was headed after signing in', () => {
    expect(new URL(page.url()).pathname).toBe('/t/renewals');
  });

  it('renews the tokens with the refresh token when they are due, without the user noticing', async () => {
    // Past the first token's expiry: the API would refuse it, so every answer below needs a renewed one.
    await pause(13_000);
    await page.reload();
    await page.locator('[data-test=tenant-status][data-status=active]').waitFor();
    expect(await page.evaluate(() => fetch('/api/tenants/renewals').then((r) => r.status))).toBe(200);
    const [a, b] = await page.evaluate(() => Promise.all([fetch('/api/me').then((r) => r.status), fetch('/api/tenants').then((r) => r.status)]));
    expect([a, b]).toEqual([200, 200]);
  });

  it('shows the session-expired page once the tokens can no longer be renewed', async () => {
    // The identity provider disables the account: the next renewal is refused.
    await stack.idp.admin('PATCH', `/core/users/${(page as Page & { ritaPk?: number }).ritaPk}/`, { is_active: false });
    await pause(8_000);
    await page.reload();
    await page.waitForURL('**/session-expired');
    expect(await page.locator('h1').textContent()).toContain('expired');
    expect(await page.evaluate(() => fetch('/api/me').then((r) => r.status))).toBe(401);
  });
});
