import { randomBytes } from 'node:crypto';
import { confirmDialog, DevIdpProcess, inspectPage, launchChromium, newDesktopContext, settle, signInWithBrowser, startPlatformStack, toast, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The plan catalogue and MRR in the operator console, in Chromium, against
 * the built platform: the dashboard explains MRR (what counts, by status,
 * plan, partner and currency); the Plans page lists the catalogue, edits a
 * plan (asking first when its limits change, since that restarts the plan's
 * workspaces), sets a plan's backup schedule and retention, and archives
 * and restores one. Every page is looked at (inspectPage: 1440 and 390 px,
 * axe, no sideways scroll). Signing in from a deep link lands on that page.
 */
describe('plans and MRR in the operator console', () => {
  const sfx = randomBytes(3).toString('hex');
  const P = `mp-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let page: Page;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];
  const go = async (path: string) => {
    await page.goto(`${stack.operatorOrigin}${path}`);
    await settle(page);
  };

  beforeAll(async () => {
    stack = await startPlatformStack('operator_plans', { engineSocket: null });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    await stack.idp.createPerson('tom');
    const operator = await stack.token('opal', 'operator');
    const owner = await stack.token('tom', 'portal');
    // Paid up: starter 19 (direct) and business 49 (through P); past due: starter 19 (direct); suspended: enterprise 199; on trial: business 49.
    await stack.api(operator, 'POST', '/partners', { slug: P, name: 'Metric Partner', marginPct: 10 });
    for (const [slug, plan, status] of [
      [`ma-${sfx}`, 'starter', 'active'],
      [`mb-${sfx}`, 'business', 'active'],
      [`mc-${sfx}`, 'starter', 'past_due'],
      [`md-${sfx}`, 'enterprise', 'active'],
      [`me-${sfx}`, 'business', 'trialing'],
    ] as const) {
      await stack.api(owner, 'POST', '/tenants', { slug, name: slug, plan });
      await stack.api(operator, 'PATCH', `/tenants/${slug}/subscription`, { status });
    }
    await stack.api(operator, 'PUT', `/tenants/mb-${sfx}/partner`, { partner: P });
    await stack.api(operator, 'POST', `/tenants/md-${sfx}/suspend`, { reason: 'Test' });
    browser = await launchChromium();
    const context = await newDesktopContext(browser);
    contexts.push(context);
    page = await context.newPage();
    watchConsole(page, stack.operatorOrigin, consoleErrors);
    await signInWithBrowser(page, stack.operatorOrigin, 'opal', '/');
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

  it('explains MRR on the dashboard: paid-up and past-due count, trials and suspended tenants do not', async () => {
    await go('/');
    // 19 + 49 + 19 (and the default tenant's free plan, 0).
    await expect(page.locator('[data-test=mrr-total]').textContent()).resolves.toBe('€87.00');
    const breakdown = page.locator('[data-test=mrr-breakdown]');
    await expect(breakdown.locator('[data-bucket=active]').textContent()).resolves.toMatch(/Paid up\s*Counted\s*€68\.00 · 3 subscriptions/);
    await expect(breakdown.locator('[data-bucket=past_due]').textContent()).resolves.toMatch(/Past due\s*Counted\s*€19\.00 · 1 subscription/);
    await expect(breakdown.locator('[data-bucket=trialing]').textContent()).resolves.toMatch(/Trial\s*Not counted\s*€49\.00 · 1 subscription/);
    await expect(breakdown.locator('[data-bucket=suspended]').textContent()).resolves.toMatch(/Tenant suspended\s*Not counted\s*€199\.00 · 1 subscription/);
    await expect(breakdown.locator('[data-plan=starter]').textContent()).resolves.toContain('€38.00 · 2 subscriptions');
    await expect(breakdown.locator(`[data-partner=${P}]`).textContent()).resolves.toContain('€49.00 · 1 subscription');
    await expect(breakdown.locator('[data-partner=direct]').textContent()).resolves.toMatch(/Sold directly.*€38\.00 · 3 subscriptions/);
    await inspectPage(page, 'operator', 'dashboard-mrr');
  });

  it('lists the catalogue and edits a plan, asking first when its limits change', async () => {
    await go('/plans');
    await expect(page.locator('[data-test=plans] [data-plan]').count()).resolves.toBe(4);
    await expect(page.locator('[data-plan=starter]').textContent()).resolves.toMatch(/€19\.00 \/ month · 2 tenants.*0\.5 CPU · 128 MB memory · Up to 128 processes/s);
    await inspectPage(page, 'operator', 'plans');

    await page.locator('[data-test=edit-starter]').click();
    await page.getByLabel('Memory (MB)').waitFor();
    await inspectPage(page, 'operator', 'plan-edit');
    // A service list the API would refuse is refused here, beside its field.
    await page.getByLabel('Services').fill('App:1');
    await page.locator('[data-test=save-plan]').click();
    await page.getByText('List services as name:port').waitFor();
    await page.getByLabel('Services').fill('app:8080');

    await page.getByLabel('Memory (MB)').fill('192');
    await page.locator('[data-test=save-plan]').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('The workspaces of the 2 tenants on Starter are recreated');
    await confirmDialog(page);
    await toast(page, 'Starter saved');
    await page.locator('[data-slot=viewport] [data-slot=description]', { hasText: '2 workspaces are being recreated with the new settings.' }).first().waitFor();
    const plans = await stack.api<{ key: string; limits: { memoryMb: number } }[]>(await stack.token('opal', 'operator'), 'GET', '/system/plans');
    expect(plans.find((plan) => plan.key === 'starter')?.limits.memoryMb).toBe(192);

    // A new name restarts nothing: no question asked.
    await page.getByLabel('Name').fill('Starter plus');
    await page.locator('[data-test=save-plan]').click();
    await toast(page, 'Starter plus saved');
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it("sets a plan's backup schedule and retention, refusing out-of-range values beside their fields, and restarts nothing", async () => {
    await go('/plans/business');
    const backups = page.locator('[data-test=plan-backups]');
    await backups.waitFor();
    await page.getByText('Now: Backed up every 6 hours; the newest 12 backups and one a day for 30 days kept.').waitFor();
    await page.getByLabel('Keep the newest').fill('0');
    await page.getByLabel('Every (hours)').fill('200');
    await page.locator('[data-test=save-plan]').click();
    await page.getByText('Keep from 1 to 500 backups.').waitFor();
    await page.getByText('A whole number of hours, from 1 to 168 (a week).').waitFor();
    await inspectPage(page, 'operator', 'plan-backups-invalid');
    const operator = await stack.token('opal', 'operator');
    type Listed = { key: string; backups: { intervalHours: number; keepLast: number; keepDaily: number } };
    const before = await stack.api<Listed[]>(operator, 'GET', '/system/plans');
    expect(before.find((plan) => plan.key === 'business')?.backups).toEqual({ intervalHours: 6, keepLast: 12, keepDaily: 30 });

    await page.getByLabel('Every (hours)').fill('12');
    await page.getByLabel('Keep the newest').fill('10');
    await page.getByLabel('And one a day for (days)').fill('7');
    await page.locator('[data-test=save-plan]').click();
    // Backups restart nothing: no question asked, and the result says the new schedule.
    await toast(page, 'Business saved');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.locator('[data-slot=viewport] [data-slot=description]', { hasText: 'No workspace needed a restart. Backed up every 12 hours; the newest 10 backups and one a day for 7 days kept.' }).first().waitFor();
    await page.getByText('Now: Backed up every 12 hours; the newest 10 backups and one a day for 7 days kept.').waitFor();
    const after = await stack.api<Listed[]>(operator, 'GET', '/system/plans');
    expect(after.find((plan) => plan.key === 'business')?.backups).toEqual({ intervalHours: 12, keepLast: 10, keepDaily: 7 });
    const audit = await stack.api<{ items: { action: string; changes: Record<string, { from: unknown; to: unknown }> }[] }>(operator, 'GET', '/audit?pageSize=20');
    expect(audit.items.find((event) => event.action === 'plan.update' && event.changes.backups)?.changes.backups).toMatchObject({ to: { intervalHours: 12, keepLast: 10, keepDaily: 7 } });

    // Off: no scheduled backups, retention kept.
    await page.getByLabel('Back up on a schedule').click();
    await expect(page.getByLabel('Every (hours)').count()).resolves.toBe(0);
    await page.locator('[data-test=save-plan]').click();
    await page.locator('[data-slot=viewport] [data-slot=description]', { hasText: 'No scheduled backups; the newest 10 backups and one a day for 7 days kept.' }).first().waitFor();
    await inspectPage(page, 'operator', 'plan-backups');
    const off = await stack.api<Listed[]>(operator, 'GET', '/system/plans');
    expect(off.find((plan) => plan.key === 'business')?.backups).toEqual({ intervalHours: 0, keepLast: 10, keepDaily: 7 });
  });

  it('signs in from a deep link and lands on that page, not the dashboard', async () => {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const fresh = await context.newPage();
    const errors: string[] = [];
    watchConsole(fresh, stack.operatorOrigin, errors);
    await fresh.goto(`${stack.operatorOrigin}/tenants/ma-${sfx}`);
    await fresh.waitForURL((url) => url.pathname === '/login');
    expect(new URL(fresh.url()).searchParams.get('next')).toBe(`/tenants/ma-${sfx}`);
    await fresh.click('[data-test=sign-in]');
    await fresh.fill('#username', 'opal');
    await fresh.fill('#password', DevIdpProcess.PASSWORD);
    await Promise.all([fresh.waitForURL((url) => url.origin === stack.operatorOrigin && !url.pathname.startsWith('/auth/') && url.pathname !== '/'), fresh.click('button[type=submit]')]);
    await settle(fresh);
    expect(new URL(fresh.url()).pathname).toBe(`/tenants/ma-${sfx}`);
    await fresh.getByRole('heading', { level: 1, name: `ma-${sfx}` }).waitFor();
    // Taken once: the dashboard is the dashboard afterwards.
    await fresh.goto(`${stack.operatorOrigin}/`);
    await settle(fresh);
    expect(new URL(fresh.url()).pathname).toBe('/');
    expect(errors).toEqual([]);
  });

  it('archives a plan after saying the tenants on it keep it, and offers it again', async () => {
    await go('/plans');
    await page.locator('[data-test=archive-enterprise]').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('The one tenant on it keeps it, unchanged');
    await confirmDialog(page, 'Replaced by Business');
    await toast(page, 'Enterprise is no longer offered');
    await page.locator('[data-plan=enterprise] [data-test=archived]').waitFor();
    await inspectPage(page, 'operator', 'plans-archived');
    await page.locator('[data-plan=enterprise]').getByRole('button', { name: 'Offer again' }).click();
    await toast(page, 'Enterprise is offered again');
  });
});
