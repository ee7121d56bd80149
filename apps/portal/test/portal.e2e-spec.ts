import { randomBytes } from 'node:crypto';
import { launchChromium, removeEngineObjects, screenshot, signInWithBrowser, startPlatformStack, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The portal in Chromium, through dev-idp's real login, against the real API,
 * database and container engine. The cast: operator opal; partner P with its
 * admin parker and customers A (owned by carol) and B; partner Q with its
 * customer C; nina, who has no workspace yet.
 */
describe('the portal', () => {
  const sfx = randomBytes(3).toString('hex');
  const P = `pp-${sfx}`;
  const Q = `pq-${sfx}`;
  const A = `pa-${sfx}`;
  const B = `pb-${sfx}`;
  const C = `qc-${sfx}`;
  const W = `ws-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let operator: string;
  const contexts: BrowserContext[] = [];
  /** Console errors of the portal's pages (hydration mismatches included); each test must leave none. */
  let consoleErrors: string[] = [];

  /** A fresh browser session (its own cookies), signed in as `username`. */
  async function as(username: string, next = '/'): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && message.location().url.startsWith(stack.portalOrigin)) consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    await signInWithBrowser(page, stack.portalOrigin, username, next);
    return page;
  }
  /** A call to one of the portal's server routes from inside the page, with its cookies: what the browser can reach. */
  const fromPage = (page: Page, path: string, init: { method?: string; body?: unknown } = {}) =>
    page.evaluate(
      async ({ path, init }) => {
        const response = await fetch(path, { method: init.method ?? 'GET', headers: { 'content-type': 'application/json' }, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
        return { status: response.status, body: await response.json().catch(() => null) };
      },
      { path, init },
    );

  beforeAll(async () => {
    stack = await startPlatformStack('portal', { engineSocket: process.env['TESSERA_TEST_ENGINE_SOCKET'] ?? null });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    operator = await stack.token('opal', 'operator');
    for (const partner of [P, Q]) await stack.api(operator, 'POST', '/partners', { slug: partner, name: `Partner ${partner}`, marginPct: 20 });
    await stack.idp.createPerson('parker', { groups: [`partner:${P}:admin`], email: `parker-${sfx}@reseller.test` });
    await stack.idp.createPerson('carol', { email: `carol-${sfx}@customer.test`, name: 'Carol Customer' });
    await stack.idp.createPerson('nina', { name: 'Nina Newcomer' });
    await stack.api(operator, 'POST', `/partners/${P}/tenants`, { slug: A, name: 'Acme', plan: 'starter', ownerEmail: `carol-${sfx}@customer.test` });
    await stack.api(operator, 'POST', `/partners/${P}/tenants`, { slug: B, name: 'Bolt', plan: 'free' });
    await stack.api(operator, 'POST', `/partners/${Q}/tenants`, { slug: C, name: 'Cobalt', plan: 'free' });
    browser = await launchChromium();
  });
  beforeEach(() => {
    consoleErrors = [];
  });
  afterEach(() => {
    // Requests the test makes on purpose to be refused show as failed loads; anything else is a defect.
    expect(consoleErrors.filter((text) => !text.startsWith('Failed to load resource'))).toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.stop();
    if (stack?.engineSocket) await removeEngineObjects(stack.engineSocket, [A, B, C, W]);
  });

  it('lets a new user create a workspace and watch it provision to active', async () => {
    const page = await as('nina');
    expect(new URL(page.url()).pathname).toBe('/onboarding');
    await screenshot(page, 'portal', 'onboarding');
    await page.fill('input[name=slug]', 'Not A Slug');
    await expect(page.locator('[data-test=slug-problem]').textContent()).resolves.toContain('lowercase');
    expect(await page.locator('button[type=submit]').isDisabled()).toBe(true);
    await page.fill('input[name=slug]', 'admin');
    await expect(page.locator('[data-test=slug-problem]').textContent()).resolves.toContain('reserved');
    await page.fill('input[name=slug]', W);
    await page.fill('input[name=name]', 'Nina Works');
    await page.selectOption('select[name=plan]', 'starter');
    await Promise.all([page.waitForURL(`**/t/${W}`), page.click('button[type=submit]')]);
    await page.locator('[data-test=tenant-status]', { hasText: 'active' }).waitFor({ timeout: 60_000 });
    const steps = await page.locator('[data-test=provisioning] tr[data-step]').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-step'), row.querySelector('.state')?.textContent]));
    expect(Object.fromEntries(steps)).toMatchObject({ identity: 'ok', route: 'ok', workspace: stack.engineSocket ? 'ok' : 'skipped' });
    if (stack.engineSocket) {
      await page.reload();
      await expect(page.locator('[data-test=workspace-state]').textContent()).resolves.toBe('running');
    }
    expect(await page.locator('[data-test=launch]').getAttribute('href')).toBe(`https://${W}.tessera.test/`);
    await screenshot(page, 'portal', 'dashboard');
  });

  it('shows a new sign-up a pending page while sign-up approval is on, until an operator approves it', async () => {
    await stack.api(operator, 'PATCH', '/system/settings', { signupApproval: true });
    try {
      await stack.idp.createPerson('wendy', { name: 'Wendy Waiting' });
      const page = await as('wendy');
      await page.fill('input[name=slug]', `wait-${sfx}`);
      await page.fill('input[name=name]', 'Wendy Works');
      await Promise.all([page.waitForURL(`**/t/wait-${sfx}`), page.click('button[type=submit]')]);
      await page.locator('[data-test=awaiting-approval]').waitFor();
      await screenshot(page, 'portal', 'awaiting-approval');
      await stack.api(operator, 'POST', `/tenants/wait-${sfx}/approve`, {});
      // The page notices by itself.
      await page.locator('[data-test=tenant-status]', { hasText: 'active' }).waitFor({ timeout: 60_000 });
    } finally {
      await stack.api(operator, 'PATCH', '/system/settings', { signupApproval: false });
      if (stack.engineSocket) await removeEngineObjects(stack.engineSocket, [`wait-${sfx}`]);
    }
  });

  it('keeps the tokens on the server: the browser sees a public projection of the session', async () => {
    const page = await as('carol', `/t/${A}`);
    const session = await fromPage(page, '/api/_auth/session');
    expect(session.status).toBe(200);
    expect(Object.keys(session.body as object)).not.toEqual(expect.arrayContaining(['accessToken']));
    expect(JSON.stringify(session.body)).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(await page.content()).not.toMatch(/eyJ[\w-]+\.eyJ/);
    for (const cookie of await page.context().cookies()) expect(cookie.value).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it("passes the API's status and message through the BFF, and answers 401 without a session", async () => {
    const page = await as('carol', `/t/${A}`);
    const refused = await fromPage(page, '/api/tenants', { method: 'POST', body: { slug: 'Bad Slug', name: 'x' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ statusMessage: 'VALIDATION_FAILED', data: { fields: { slug: expect.any(Array) } } });
    const foreign = await fromPage(page, `/api/tenants/${C}`);
    expect(foreign).toMatchObject({ status: 403, body: { statusMessage: 'FORBIDDEN', message: `You are not a member of ${C}` } });
    const anonymous = await (await browser.newContext()).newPage();
    await anonymous.goto(`${stack.portalOrigin}/signed-out`);
    expect((await fromPage(anonymous, '/api/me')).status).toBe(401);
    await anonymous.context().close();
  });

  it('lets a partner admin suspend one of their customers, and not reach another partner’s', async () => {
    const page = await as('parker');
    await screenshot(page, 'portal', 'home-partner');
    await page.goto(`${stack.portalOrigin}/partner/${P}`);
    await screenshot(page, 'portal', 'partner-dashboard');
    await page.goto(`${stack.portalOrigin}/partner/${P}/customers`);
    const row = page.locator(`tr[data-tenant="${B}"]`);
    await row.locator('button', { hasText: 'Suspend' }).click();
    await row.locator('[data-test=status]', { hasText: 'suspended' }).waitFor();
    await screenshot(page, 'portal', 'partner-customers');
    expect((await stack.api<{ status: string }>(operator, 'GET', `/tenants/${B}`)).status).toBe('suspended');
    await page.goto(`${stack.portalOrigin}/partner/${P}`);
    await page.locator(`[data-alert=suspended]`).waitFor();

    // Partner Q's customer, however addressed.
    expect((await fromPage(page, `/api/partners/${P}/tenants/${C}`)).status).toBe(404);
    expect((await fromPage(page, `/api/partners/${P}/tenants/${C}/suspend`, { method: 'POST', body: {} })).status).toBe(404);
    expect((await fromPage(page, `/api/partners/${Q}/tenants`)).status).toBe(403);
    expect((await fromPage(page, `/api/tenants/${C}`)).status).toBe(403);
    await page.goto(`${stack.portalOrigin}/partner/${Q}`);
    await expect(page.locator('[data-test=error]').textContent()).resolves.toContain(`You are not on the team of ${Q}`);
    expect((await stack.api<{ status: string }>(operator, 'GET', `/tenants/${C}`)).status).toBe('active');

    for (const name of ['team', 'settings', 'branding']) {
      await page.goto(`${stack.portalOrigin}/partner/${P}/${name}`);
      await screenshot(page, 'portal', `partner-${name}`);
    }
  });

  it("shows a partner's branding to its customers, as the partner admin previews it", async () => {
    const admin = await as('parker', `/partner/${P}/branding`);
    await admin.fill('input[name=displayName]', 'Reseller Cloud');
    await admin.fill('input[name=primaryColor]', '#12ab9f');
    await expect(admin.locator('[data-test=preview] .brand').textContent()).resolves.toContain('Reseller Cloud');
    await admin.click('button[type=submit]');
    await admin.locator('[data-test=saved]').waitFor();
    await admin.fill('input[name=accentColor]', 'orange');
    await admin.click('button[type=submit]');
    await expect(admin.locator('[data-test=failure]').textContent()).resolves.toContain('hex colour');

    const customer = await as('carol', `/t/${A}`);
    await expect(customer.locator('header .brand').textContent()).resolves.toContain('Reseller Cloud');
    const colour = await customer.locator('header.bar').evaluate((el) => getComputedStyle(el).borderBottomColor);
    expect(colour).toBe('rgb(18, 171, 159)');
  });

  it('turns a piece of UI on and off with a feature flag', async () => {
    const page = await as('carol', `/t/${A}`);
    expect(await page.locator('[data-test=team-card]').count()).toBe(0);
    const tenant = await stack.api<{ id: string }>(operator, 'GET', `/tenants/${A}`);
    await stack.api(operator, 'POST', '/flags', { key: 'dashboard-team-card', description: 'The team shortcut on the dashboard', owner: 'portal', rules: [{ type: 'tenants', tenantIds: [tenant.id], value: true }] });
    await page.reload();
    await page.locator('[data-test=team-card]').waitFor();
    await screenshot(page, 'portal', 'dashboard-with-flag');
    await stack.api(operator, 'PATCH', '/flags/dashboard-team-card', { enabled: false });
    await page.reload();
    await page.locator('[data-test=tenant-status]').waitFor();
    expect(await page.locator('[data-test=team-card]').count()).toBe(0);

    for (const name of ['members', 'settings']) {
      await page.goto(`${stack.portalOrigin}/t/${A}/${name}`);
      await screenshot(page, 'portal', `tenant-${name}`);
    }
  });

  it('signs out, and shows the signed-out, session-expired and account-disabled pages', async () => {
    const page = await as('carol', `/t/${A}`);
    await page.click('text=Sign out');
    // dev-idp, like Authentik, asks before it ends its own session; then it returns to the portal.
    await Promise.all([page.waitForURL('**/signed-out'), page.click('button[value=yes]')]);
    await screenshot(page, 'portal', 'signed-out');
    expect((await fromPage(page, '/api/me')).status).toBe(401);
    await page.goto(`${stack.portalOrigin}/t/${A}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await screenshot(page, 'portal', 'login');
    for (const name of ['session-expired', 'account-disabled']) {
      await page.goto(`${stack.portalOrigin}/${name}`);
      await screenshot(page, 'portal', name);
    }
  });
});
