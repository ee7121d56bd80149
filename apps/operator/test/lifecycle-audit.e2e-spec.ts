import { randomBytes } from 'node:crypto';
import { inspectPage, launchChromium, newDesktopContext, settle, signInWithBrowser, startPlatformStack, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Lifecycle shown truthfully and a readable audit log, in Chromium through
 * dev-idp's real login against the real API and database, in both apps.
 * The cast: Opal operates; Tom owns a live workspace, a terminated one and a
 * sign-up that was rejected; Mia is an admin of the live one. Every page
 * looked at is screenshot at 1440 and 390 px and checked by axe-core
 * (inspectPage).
 */
describe('ended tenants and the audit log', () => {
  const sfx = randomBytes(3).toString('hex');
  const LIVE = `live-${sfx}`;
  const GONE = `gone-${sfx}`;
  const NOPE = `nope-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let operator: string;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  /** A fresh browser session signed in as `username`, on `next`. */
  async function as(origin: string, username: string, next = '/'): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, origin, consoleErrors);
    await signInWithBrowser(page, origin, username, next);
    // The console signs in to its dashboard: go on from there.
    if (new URL(page.url()).pathname + new URL(page.url()).search !== next) await go(page, `${origin}${next}`);
    return page;
  }
  const go = async (page: Page, url: string) => {
    await page.goto(url);
    await settle(page);
  };
  const fromPage = (page: Page, path: string, method = 'GET') =>
    page.evaluate(
      async ({ path, method }) => {
        const response = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
        return { status: response.status, body: (await response.json().catch(() => null)) as { data?: { reason?: string } } | null };
      },
      { path, method },
    );

  beforeAll(async () => {
    stack = await startPlatformStack('lifecycle_audit');
    await stack.idp.createPerson('opal', { name: 'Opal Operator', email: `opal-${sfx}@platform.test`, groups: ['platform-admins'] });
    await stack.idp.createPerson('tom', { name: 'Tom Owner', email: `tom-${sfx}@customer.test` });
    await stack.idp.createPerson('mia', { name: 'Mia Admin', email: `mia-${sfx}@customer.test` });
    operator = await stack.token('opal', 'operator');
    const tom = await stack.token('tom', 'portal');
    const mia = await stack.token('mia', 'portal');
    await stack.api(mia, 'GET', '/users/me');
    await stack.api(tom, 'POST', '/tenants', { slug: LIVE, name: 'Live Works', plan: 'starter' });
    await stack.api(tom, 'POST', '/tenants', { slug: GONE, name: 'Gone Works', plan: 'free' });
    await stack.api(tom, 'POST', `/tenants/${LIVE}/members`, { email: `mia-${sfx}@customer.test`, role: 'admin' });
    await stack.api(mia, 'PATCH', `/tenants/${LIVE}`, { name: 'Live Works Ltd' });
    await stack.api(operator, 'POST', `/tenants/${GONE}/terminate`, { reason: 'Contract ended' });
    await stack.api(operator, 'PATCH', '/system/settings', { signupApproval: true });
    await stack.api(tom, 'POST', '/tenants', { slug: NOPE, name: 'Nope Works' });
    await stack.api(operator, 'POST', `/tenants/${NOPE}/reject`, { reason: 'Looks like spam' });
    await stack.api(operator, 'PATCH', '/system/settings', { signupApproval: false });
    browser = await launchChromium();
  });
  beforeEach(() => {
    consoleErrors = [];
  });
  afterEach(() => {
    expect(consoleErrors).toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.stop();
  });

  it('lists ended workspaces apart on the portal Home and in the switcher, never as live ones', async () => {
    const page = await as(stack.portalOrigin, 'tom');
    // One live workspace and two ended ones: Home stays, it does not jump into the live one.
    await page.locator('[data-test=ended-workspaces]').waitFor();
    expect(await page.locator('[data-test=workspaces] [data-workspace]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-workspace')))).toEqual([LIVE]);
    const ended = page.locator('[data-test=ended-workspaces]');
    await expect(ended.locator(`[data-workspace=${GONE}]`).textContent()).resolves.toContain('Terminated');
    await expect(ended.locator(`[data-workspace=${NOPE}]`).textContent()).resolves.toContain('Not approved');
    await inspectPage(page, 'portal', 'home-with-ended');

    await page.locator('[data-test=workspace-switcher]').click();
    const menu = page.getByRole('menu');
    await menu.getByText('Ended').waitFor();
    const items = await menu.getByRole('menuitemcheckbox').allTextContents();
    expect(items.findIndex((text) => text.includes(LIVE))).toBeLessThan(items.findIndex((text) => text.includes(GONE)));
    await expect(menu.getByRole('menuitemcheckbox', { name: new RegExp(GONE) }).textContent()).resolves.toContain('Terminated');
    await page.keyboard.press('Escape');
  });

  it('shows a terminated workspace read-only in the portal: no Launch, no controls, no member or settings changes, and the API says why', async () => {
    const page = await as(stack.portalOrigin, 'tom', `/t/${GONE}`);
    await page.locator('[data-test=ended]').waitFor();
    await expect(page.locator('[data-test=ended]').textContent()).resolves.toContain('This workspace has ended');
    expect(await page.locator('[data-test=launch]').count()).toBe(0);
    expect(await page.locator('[data-test=workspace-restart], [data-test=workspace-stop], [data-test=workspace-start], [data-test=keep-awake]').count()).toBe(0);
    await inspectPage(page, 'portal', 'workspace-ended');
    const restart = await fromPage(page, `/api/tenants/${GONE}/workspace/restart`, 'POST');
    expect(restart.status).toBe(409);
    expect(JSON.stringify(restart.body)).toContain('TENANT_TERMINATED');

    await go(page, `${stack.portalOrigin}/t/${GONE}/members`);
    await page.locator('[data-test=members]').waitFor();
    expect(await page.getByRole('button', { name: 'Invite' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Remove/ }).count()).toBe(0);
    await go(page, `${stack.portalOrigin}/t/${GONE}/settings`);
    await page.locator('[data-test=ended]').waitFor();
    expect(await page.locator('[data-test=save]').count()).toBe(0);
    expect(await page.getByLabel('Name').first().isDisabled()).toBe(true);
    await inspectPage(page, 'portal', 'settings-ended');

    await go(page, `${stack.portalOrigin}/t/${NOPE}`);
    await page.locator('[data-test=rejected] [data-test=ended]').waitFor();
    await expect(page.locator('[data-test=ended]').textContent()).resolves.toContain('not approved');
  });

  it("names people in a workspace's activity: the owner reads what its admin did by name", async () => {
    const page = await as(stack.portalOrigin, 'tom', `/t/${LIVE}/activity`);
    const rename = page.locator('[data-test=activity] li[data-action="tenant.update"]');
    await rename.waitFor();
    await expect(rename.textContent()).resolves.toContain('Mia Admin');
    await expect(page.locator('[data-test=activity] li[data-action="member.add"]').textContent()).resolves.toContain('You added Mia Admin');
    await inspectPage(page, 'portal', 'activity-names');
  });

  it('lists ended tenants apart in the console, the choice kept in the address', async () => {
    const page = await as(stack.operatorOrigin, 'opal', '/tenants');
    await page.locator(`[data-tenant=${LIVE}]`).waitFor();
    expect(await page.locator(`[data-tenant=${GONE}], [data-tenant=${NOPE}]`).count()).toBe(0);
    await page.locator('[data-test=lifecycle]').getByRole('tab', { name: 'Ended' }).click();
    await page.waitForURL(/lifecycle=ended/);
    await page.locator(`[data-tenant=${GONE}]`).waitFor();
    await page.locator(`[data-tenant=${NOPE}]`).waitFor();
    expect(await page.locator(`[data-tenant=${LIVE}]`).count()).toBe(0);
    // A rejected sign-up says so; an ended tenant's health is not shown as an alarm.
    await expect(page.getByRole('row').filter({ has: page.locator(`[data-tenant=${NOPE}]`) }).textContent()).resolves.toContain('Declined');
    expect(await page.locator('[data-test=tenants] [data-status=down]').count()).toBe(0);
    await page.reload();
    await settle(page);
    await page.locator(`[data-tenant=${GONE}]`).waitFor();
    expect(await page.locator(`[data-tenant=${LIVE}]`).count()).toBe(0);
    await inspectPage(page, 'operator', 'tenants-ended');
  });

  it("shows a terminated tenant read-only in the console, and every tenant's subscription", async () => {
    const page = await as(stack.operatorOrigin, 'opal', `/tenants/${GONE}`);
    await page.locator('[data-test=ended]').waitFor();
    for (const name of ['Suspend…', 'Terminate…', 'Resume…', 'Change plan', 'Attach']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    await page.locator('[data-test=plan-partner-read-only]').waitFor();
    await page.locator('[data-test=subscription-status][data-status=canceled]').waitFor();
    // The owner a tenant was created with is named, not shown as an id.
    await expect(page.locator('[data-test=audit]').textContent()).resolves.toContain('Owner: – → Tom Owner');
    await inspectPage(page, 'operator', 'tenant-terminated');
    const suspend = await fromPage(page, `/api/tenants/${GONE}/suspend`, 'POST');
    expect(suspend.status).toBe(409);

    await go(page, `${stack.operatorOrigin}/tenants/${LIVE}`);
    await page.locator('[data-test=subscription-status][data-status=trialing]').waitFor();
    await expect(page.locator('[data-test=subscription-price]').textContent()).resolves.toMatch(/19[.,]00/);
    await expect(page.locator('[data-test=subscription]').textContent()).resolves.toContain('Trial ends');
    await expect(page.locator('[data-test=audit] [data-test=audit-actor]').first().textContent()).resolves.toMatch(/Mia Admin|Tom Owner|Platform/);
  });

  it('shows the audit log with people by name and kind, targets as links, and filters by person and tenant in the address', async () => {
    const page = await as(stack.operatorOrigin, 'opal', `/audit?actor=opal&tenant=${GONE}`);
    const rows = page.locator('[data-test=audit] tbody tr');
    await page.locator('[data-test=audit-actor]').first().waitFor();
    const actors = await page.locator('[data-test=audit-actor]').allTextContents();
    expect(actors.length).toBeGreaterThan(0);
    for (const actor of actors) expect(actor).toContain('Opal Operator');
    expect(actors[0]).toContain(`opal-${sfx}@platform.test`);
    expect(actors[0]).toContain('Operator');
    await expect(rows.first().textContent()).resolves.toContain('Contract ended');
    expect(await page.locator('[data-test=audit-target] a').first().getAttribute('href')).toBe(`/tenants/${GONE}`);
    // The filters survive a reload: they are the address.
    await page.reload();
    await settle(page);
    expect(await page.locator('#audit-actor').inputValue()).toBe('opal');
    expect(await page.locator('#audit-tenant').inputValue()).toBe(GONE);
    await inspectPage(page, 'operator', 'audit-by-person');

    // A person by part of their email, across tenants.
    await page.locator('#audit-tenant').fill('');
    await page.locator('#audit-actor').fill(`mia-${sfx}`);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((url) => url.searchParams.get('actor') === `mia-${sfx}` && !url.searchParams.has('tenant'));
    await page.locator('[data-test=audit-actor]', { hasText: 'Mia Admin' }).first().waitFor();
    for (const actor of await page.locator('[data-test=audit-actor]').allTextContents()) expect(actor).toContain('Mia Admin');
    await expect(page.locator('[data-test=audit-actor-role]').first().textContent()).resolves.toBe('Admin');
    await page.locator('[data-test=audit-target] a').first().click();
    await page.waitForURL(`**/tenants/${LIVE}`);
  });
});
