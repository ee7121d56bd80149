import { randomBytes } from 'node:crypto';
import { confirmDialog, inspectPage, launchChromium, newDesktopContext, settle, signInWithBrowser, startPlatformStack, toast, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The plan catalogue and MRR in the operator console, in Chromium, against
 * the built platform: the dashboard explains MRR (what counts, by status,
 * plan, partner and currency); the Plans page lists the catalogue, edits a
 * plan (asking first when its limits change, since that restarts the plan's
 * workspaces), and archives and restores one. Every page is looked at
 * (inspectPage: 1440 and 390 px, axe, no sideways scroll).
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
