import { randomBytes } from 'node:crypto';
import { choose, confirmDialog, DnsServer, inspectPage, launchChromium, newDesktopContext, removeEngineObjects, signInWithBrowser, startPlatformStack, toast, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The portal in Chromium, through dev-idp's real login, against the real API,
 * database and container engine. The cast: operator opal; partner P with its
 * admin parker and customers A (owned by carol) and B; partner Q with its
 * customer C; nina, who has no workspace yet. Every page is looked at
 * (inspectPage): a screenshot at 1440 and 390 px, axe-core with no serious
 * or critical violation, and no sideways scroll on a phone.
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
  let dns: DnsServer;
  let browser: Browser;
  let operator: string;
  const contexts: BrowserContext[] = [];
  /** Console errors and uncaught exceptions of the portal's pages (hydration mismatches included); each test must leave none. */
  let consoleErrors: string[] = [];

  /** A fresh browser session (its own cookies), signed in as `username`. */
  async function as(username: string, next = '/'): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, stack.portalOrigin, consoleErrors);
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
    dns = await DnsServer.start(['example']);
    stack = await startPlatformStack('portal', { engineSocket: process.env['TESSERA_TEST_ENGINE_SOCKET'] ?? null, edge: true, apiEnv: { DNS_RESOLVERS: dns.address } });
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
    expect(consoleErrors).toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.stop();
    await dns?.stop();
    if (stack?.engineSocket) await removeEngineObjects(stack.engineSocket, [A, B, C, W]);
  });

  it('lets a new user create a workspace and watch it provision to active', async () => {
    const page = await as('nina');
    expect(new URL(page.url()).pathname).toBe('/onboarding');
    await inspectPage(page, 'portal', 'onboarding');
    const slug = page.getByLabel('Workspace address');
    await slug.fill('Not A Slug');
    await page.getByText('Use 3–32 lowercase letters').waitFor();
    await slug.fill('admin');
    await page.getByText('That address is reserved').waitFor();
    // Refused before anything is sent: the page stays.
    await page.getByRole('button', { name: 'Create workspace' }).click();
    expect(new URL(page.url()).pathname).toBe('/onboarding');
    await slug.fill(W);
    await page.getByLabel('Organisation name').fill('Nina Works');
    // Plans are cards from the catalogue, with their price and limits.
    await page.getByRole('radio', { name: /Starter/ }).click();
    await Promise.all([page.waitForURL(`**/t/${W}`), page.getByRole('button', { name: 'Create workspace' }).click()]);
    await page.locator('[data-test=tenant-status][data-status=active]').waitFor({ timeout: 60_000 });
    const steps = await page.locator('[data-test=provisioning] [data-step]').evaluateAll((cells) =>
      cells.map((cell) => [cell.getAttribute('data-step'), cell.closest('tr')?.querySelector('[data-status]')?.getAttribute('data-status')]),
    );
    expect(Object.fromEntries(steps)).toMatchObject({ identity: 'ok', route: 'ok', workspace: stack.engineSocket ? 'ok' : 'skipped' });
    // Words for people, never the raw state.
    await expect(page.locator('[data-test=provisioning]').textContent()).resolves.toContain('Done');
    if (stack.engineSocket) {
      await page.reload();
      await page.locator('[data-test=workspace-state][data-status=running]').waitFor();
    }
    expect(await page.locator('[data-test=launch]').getAttribute('href')).toBe(stack.workspaceUrl(W));
    await expect(page.title()).resolves.toBe('Nina Works · Tessera');
    await inspectPage(page, 'portal', 'dashboard');
  });

  it('opens the workspace from Launch through the real edge, signing in on the way, and keeps an outsider out', async () => {
    const page = await as('carol', `/t/${A}`);
    await page.locator('[data-test=workspace-state][data-status=running]').waitFor({ timeout: 60_000 });
    // Launch opens a tab; Traefik asks the API (forwardAuth), which sends it to the portal for a one-time link, then back with a session.
    const [workspace] = await Promise.all([page.context().waitForEvent('page'), page.locator('[data-test=launch]').click()]);
    await workspace.getByRole('heading', { name: 'Your Tessera workspace is running' }).waitFor({ timeout: 30_000 });
    expect(workspace.url()).toBe(stack.workspaceUrl(A));
    // Someone signed in to the portal but not a member of A gets the edge's refusal, not the workspace.
    const outsider = await as('nina');
    const refusal = outsider.waitForResponse((response) => response.url() === stack.workspaceUrl(A) && response.status() === 403);
    await outsider.goto(stack.workspaceUrl(A));
    await refusal;
    await outsider.getByText('who is not a member of Acme').waitFor();
    await expect(outsider.content()).resolves.not.toContain('Your Tessera workspace is running');
  });

  it('shows a stop made in one tab in another without reloading, lets that tab start it again, and lists both as activity', async () => {
    const first = await as('carol', `/t/${A}`);
    const second = await first.context().newPage();
    watchConsole(second, stack.portalOrigin, consoleErrors);
    await second.goto(`${stack.portalOrigin}/t/${A}`);
    const state = (page: Page, value: string) => page.locator(`[data-test=workspace-state][data-status=${value}]`).waitFor({ timeout: 60_000 });
    await Promise.all([state(first, 'running'), state(second, 'running')]);

    await first.locator('[data-test=workspace-stop]').click();
    await confirmDialog(first);
    await toast(first, 'Workspace stopped');
    // The other tab learns it from the live stream: no reload, no timer.
    await state(second, 'stopped');
    await second.locator('[data-test=tenant-health][data-status=stopped]').waitFor();
    await expect(second.locator('[data-test=workspace-summary]').textContent()).resolves.toContain('stays stopped until someone starts it');
    await inspectPage(second, 'portal', 'workspace-stopped');

    await second.locator('[data-test=workspace-start]').click();
    await toast(second, 'Workspace started');
    await state(first, 'running');
    await first.locator('[data-test=tenant-health]:not([data-status=stopped])').waitFor();

    await first.goto(`${stack.portalOrigin}/t/${A}/activity`);
    const entries = first.locator('[data-test=activity] li');
    await first.locator('[data-test=activity] li[data-action="workspace.start"]').waitFor();
    const texts = await entries.allTextContents();
    expect(texts.findIndex((t) => t.includes('You started the workspace'))).toBeLessThan(texts.findIndex((t) => t.includes('You stopped the workspace')));
    await inspectPage(first, 'portal', 'activity');
    // Only one kind: the people's changes hide the workspace's.
    await choose(first, 'Show', 'People');
    await first.waitForURL(/kind=member/);
    await first.getByText('Nothing of this kind happened yet.').waitFor();
  });

  it('shows a new sign-up a pending page while sign-up approval is on, until an operator approves it', async () => {
    await stack.api(operator, 'PATCH', '/system/settings', { signupApproval: true });
    try {
      await stack.idp.createPerson('wendy', { name: 'Wendy Waiting' });
      const page = await as('wendy');
      await page.getByLabel('Workspace address').fill(`wait-${sfx}`);
      await page.getByLabel('Organisation name').fill('Wendy Works');
      await Promise.all([page.waitForURL(`**/t/wait-${sfx}`), page.getByRole('button', { name: 'Create workspace' }).click()]);
      await page.locator('[data-test=awaiting-approval]').waitFor();
      await inspectPage(page, 'portal', 'awaiting-approval');
      await stack.api(operator, 'POST', `/tenants/wait-${sfx}/approve`, {});
      // The page notices by itself.
      await page.locator('[data-test=tenant-status][data-status=active]').waitFor({ timeout: 60_000 });
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
    await inspectPage(page, 'portal', 'home-partner');
    await page.goto(`${stack.portalOrigin}/partner/${P}`);
    await inspectPage(page, 'portal', 'partner-dashboard');
    await page.goto(`${stack.portalOrigin}/partner/${P}/customers`);
    const row = page.getByRole('row').filter({ has: page.locator(`[data-tenant="${B}"]`) });
    await row.getByRole('button', { name: 'Suspend Bolt' }).click();
    // It asks first, saying what will happen; nothing changed yet.
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('stops');
    expect((await stack.api<{ status: string }>(operator, 'GET', `/tenants/${B}`)).status).toBe('active');
    await confirmDialog(page, 'Unpaid invoice');
    await toast(page, 'Bolt is suspended');
    await row.locator('[data-test=status][data-status=suspended]').waitFor();
    await inspectPage(page, 'portal', 'partner-customers');
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
    await inspectPage(page, 'portal', 'partner-not-allowed');
    expect((await stack.api<{ status: string }>(operator, 'GET', `/tenants/${C}`)).status).toBe('active');

    for (const name of ['team', 'settings', 'branding']) {
      await page.goto(`${stack.portalOrigin}/partner/${P}/${name}`);
      await inspectPage(page, 'portal', `partner-${name}`);
    }
  });

  it('renames a customer only when the partner saves, and says so', async () => {
    const page = await as('parker', `/partner/${P}/customers`);
    await page.getByRole('button', { name: 'Rename Acme' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await dialog.getByText('Enter the customer’s name.').waitFor();
    await dialog.getByLabel('Name').fill('Acme Works');
    // Leaving the field saves nothing.
    await dialog.getByLabel('Name').blur();
    expect((await stack.api<{ name: string }>(operator, 'GET', `/tenants/${A}`)).name).toBe('Acme');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await toast(page, 'Renamed to Acme Works');
    expect((await stack.api<{ name: string }>(operator, 'GET', `/tenants/${A}`)).name).toBe('Acme Works');
    await stack.api(operator, 'PATCH', `/tenants/${A}`, { name: 'Acme' });
  });

  it("explains the API's refusals in sentences, with the request id, never validator text", async () => {
    const page = await as('parker', `/partner/${P}/team`);
    // The browser takes it as an address; the API does not (no domain ending).
    await page.getByLabel('Email').fill(`someone-${sfx}@nowhere`);
    await page.getByRole('button', { name: 'Invite' }).click();
    const toastText = page.locator('[data-slot=viewport]');
    await toastText.locator('[data-test=request-id]').waitFor();
    const said = (await toastText.textContent()) ?? '';
    expect(said).toContain('Enter an email address');
    expect(said).not.toMatch(/must be an email|email must/);
    await inspectPage(page, 'portal', 'partner-team-error');
  });

  it("shows a partner's branding to its customers, as the partner admin previews it", async () => {
    const admin = await as('parker', `/partner/${P}/branding`);
    await admin.getByLabel('Display name').fill('Reseller Cloud');
    await admin.getByLabel('Primary colour').fill('#12ab9f');
    await expect(admin.locator('[data-test=preview] .brand').textContent()).resolves.toContain('Reseller Cloud');
    await admin.getByRole('button', { name: 'Save branding' }).click();
    await toast(admin, 'Branding saved');
    await admin.getByLabel('Accent colour').fill('orange');
    await admin.getByRole('button', { name: 'Save branding' }).click();
    await admin.getByText('must be a hex colour', { exact: false }).or(admin.getByText('Enter a hex colour', { exact: false })).first().waitFor();
    await inspectPage(admin, 'portal', 'partner-branding-invalid');

    const customer = await as('carol', `/t/${A}`);
    await expect(customer.locator('[data-test=brand]').first().textContent()).resolves.toContain('Reseller Cloud');
    // The tab says the partner's name, never the platform's.
    await expect(customer.title()).resolves.toBe('Acme · Reseller Cloud');
    // The partner's hue, in a shade white text stays readable on.
    const primary = await customer.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--ui-primary').trim());
    expect(primary).toMatch(/^#[0-9a-f]{6}$/);
    expect(Math.abs(hue(primary) - hue('#12ab9f'))).toBeLessThan(6);
    await inspectPage(customer, 'portal', 'dashboard-branded');
    // A real not-found page, in the partner's frame, answered with 404.
    const missing = await customer.goto(`${stack.portalOrigin}/t/${A}/no-such-page`);
    expect(missing?.status()).toBe(404);
    await customer.locator('[data-test=not-found]').waitFor();
    await expect(customer.title()).resolves.toBe('Page not found · Reseller Cloud');
    await inspectPage(customer, 'portal', 'not-found-branded');
  });

  it('turns a piece of UI on and off with a feature flag', async () => {
    const page = await as('carol', `/t/${A}`);
    expect(await page.locator('[data-test=team-card]').count()).toBe(0);
    const tenant = await stack.api<{ id: string }>(operator, 'GET', `/tenants/${A}`);
    await stack.api(operator, 'POST', '/flags', { key: 'dashboard-team-card', description: 'The team shortcut on the dashboard', owner: 'portal', rules: [{ type: 'tenants', tenantIds: [tenant.id], value: true }] });
    await page.reload();
    await page.locator('[data-test=team-card]').waitFor();
    await inspectPage(page, 'portal', 'dashboard-with-flag');
    await stack.api(operator, 'PATCH', '/flags/dashboard-team-card', { enabled: false });
    await page.reload();
    await page.locator('[data-test=tenant-status]').waitFor();
    expect(await page.locator('[data-test=team-card]').count()).toBe(0);

    for (const name of ['members', 'settings']) {
      await page.goto(`${stack.portalOrigin}/t/${A}/${name}`);
      await inspectPage(page, 'portal', `tenant-${name}`);
    }
  });

  it('lets an owner add a custom domain, shows the record to publish, and routes it once the record is found', async () => {
    const domain = `shop-${sfx}.example`;
    const page = await as('carol', `/t/${A}/settings`);
    const panel = page.locator('[data-test=custom-domains]');
    await panel.getByLabel('Add a domain').fill(domain);
    await panel.getByRole('button', { name: 'Add domain' }).click();
    await toast(page, `${domain} added`);
    const row = panel.locator(`[data-domain="${domain}"]`);
    await row.getByText('Waiting for its DNS record').waitFor();
    await expect(row.textContent()).resolves.toContain(`_tessera-challenge.${domain}`);
    await row.getByRole('button', { name: 'Check now' }).click();
    await toast(page, `${domain} is not verified yet`);
    await row.locator('[data-test=domain-last-error]').waitFor();
    await inspectPage(page, 'portal', 'tenant-settings-domain-pending');
    // The owner publishes the record shown, at a real DNS server the API asks.
    const value = (await row.locator('code', { hasText: 'tessera-verify=' }).textContent())!.trim();
    await dns.publishTxt(`_tessera-challenge.${domain}`, value);
    await row.getByRole('button', { name: 'Check now' }).click();
    await toast(page, `${domain} is verified`);
    await row.getByText('Verified', { exact: true }).waitFor();
    expect((await stack.api<{ domains: string[] }>(operator, 'GET', `/tenants/${A}`)).domains).toContain(domain);
    await inspectPage(page, 'portal', 'tenant-settings-domain-verified');
  });

  it('asks before removing a member, and removes them only when confirmed', async () => {
    await stack.idp.createPerson('dora', { email: `dora-${sfx}@customer.test`, name: 'Dora Doe' });
    const page = await as('carol', `/t/${A}/members`);
    await page.getByLabel('Email').fill(`dora-${sfx}@customer.test`);
    await page.getByRole('button', { name: 'Invite' }).click();
    await toast(page, 'Invitation sent');
    const remove = page.getByRole('button', { name: 'Remove Dora Doe' });
    await remove.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect(page.locator('[data-test=members]').textContent()).resolves.toContain('Dora Doe');
    await remove.click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('loses access');
    await confirmDialog(page);
    await toast(page, 'Dora Doe was removed');
    await remove.waitFor({ state: 'detached' });
  });

  it('shows focus where the keyboard is', async () => {
    const page = await as('carol', `/t/${A}`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      const style = element ? getComputedStyle(element) : null;
      return { tag: element?.tagName, outline: style?.outlineStyle, width: style?.outlineWidth, shadow: style?.boxShadow };
    });
    expect(focus.tag).not.toBe('BODY');
    expect(focus.outline !== 'none' && focus.width !== '0px' || (focus.shadow ?? 'none') !== 'none').toBe(true);
  });

  it('signs out, and shows the signed-out, session-expired and account-disabled pages', async () => {
    const page = await as('carol', `/t/${A}`);
    await page.locator('[data-test=user-menu]').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    // dev-idp, like Authentik, asks before it ends its own session; then it returns to the portal.
    await Promise.all([page.waitForURL('**/signed-out'), page.click('button[value=yes]')]);
    await inspectPage(page, 'portal', 'signed-out');
    expect((await fromPage(page, '/api/me')).status).toBe(401);
    await page.goto(`${stack.portalOrigin}/t/${A}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    // Carol's workspace is sold by a partner: its sign-in page wears the partner's name.
    await expect(page.locator('h1').textContent()).resolves.toContain('Sign in to Reseller Cloud');
    await expect(page.title()).resolves.toBe('Sign in · Reseller Cloud');
    await inspectPage(page, 'portal', 'login');
    for (const name of ['session-expired', 'account-disabled']) {
      await page.goto(`${stack.portalOrigin}/${name}`);
      await inspectPage(page, 'portal', name);
    }
  });

  it('answers an unknown address with a real not-found page', async () => {
    const page = await as('nina', '/');
    const answer = await page.goto(`${stack.portalOrigin}/no-such-page`);
    expect(answer?.status()).toBe(404);
    await page.locator('[data-test=not-found]').waitFor();
    await expect(page.title()).resolves.toBe('Page not found · Tessera');
    await inspectPage(page, 'portal', 'not-found');
  });
});

/** The hue of a #rrggbb colour, in degrees. */
function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return 0;
  const d = max - min;
  const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return h * 60;
}
