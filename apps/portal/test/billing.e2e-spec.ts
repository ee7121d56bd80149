import { randomBytes } from 'node:crypto';
import { confirmDialog, inspectPage, launchChromium, newDesktopContext, signInWithBrowser, startPlatformStack, toast, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Plans and billing in the portal, in Chromium, against the built platform:
 * sign-up offers the catalogue's plans as cards with prices and limits; the
 * billing page shows a workspace's plan, price, status and trial, changes
 * the plan after a confirmation that says the price difference and the
 * restart; and a past-due workspace sees what happens next and whom to
 * contact: its partner's support link, or the platform's. Every page is
 * looked at (inspectPage: 1440 and 390 px, axe, no sideways scroll).
 */
describe('plans and billing in the portal', () => {
  const sfx = randomBytes(3).toString('hex');
  const P = `bp-${sfx}`;
  const D = `bd-${sfx}`;
  const R = `br-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let operator: string;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  async function as(username: string, next: string): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, stack.portalOrigin, consoleErrors);
    await signInWithBrowser(page, stack.portalOrigin, username, next);
    return page;
  }

  beforeAll(async () => {
    stack = await startPlatformStack('portal_billing', { engineSocket: null });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    operator = await stack.token('opal', 'operator');
    for (const [name, email] of [['dora', `dora-${sfx}@customer.test`], ['rita', `rita-${sfx}@customer.test`], ['nora', `nora-${sfx}@customer.test`]] as const) {
      await stack.idp.createPerson(name, { email });
    }
    // D: sold directly, on a trial of Starter. R: sold by partner P, whose branding names its support page.
    await stack.api(await stack.token('dora', 'portal'), 'POST', '/tenants', { slug: D, name: 'Direct Co', plan: 'starter' });
    await stack.api(operator, 'POST', '/partners', { slug: P, name: 'Reseller Ltd', marginPct: 20 });
    await stack.api(operator, 'PATCH', `/partners/${P}/branding`, { displayName: 'Reseller Cloud', supportUrl: 'https://reseller.example/help' });
    await stack.api(operator, 'POST', `/partners/${P}/tenants`, { slug: R, name: 'Resold Co', plan: 'business', ownerEmail: `rita-${sfx}@customer.test` });
    await stack.api(operator, 'PATCH', `/tenants/${R}/subscription`, { status: 'past_due' });
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

  it('offers the catalogue’s plans as cards with price and limits at sign-up', async () => {
    const page = await as('nora', '/onboarding');
    const cards = page.getByRole('radiogroup', { name: 'Plan' }).getByRole('radio');
    await expect(cards.count()).resolves.toBe(4);
    const starter = page.getByRole('radio', { name: /Starter/ });
    await expect(starter.textContent()).resolves.toMatch(/€19\.00 \/ month.*0\.5 CPU.*128 MB memory.*Up to 128 processes/s);
    await expect(page.getByRole('radio', { name: /Free/ }).textContent()).resolves.toContain('€0.00 / month');
    // Arrow keys move the choice, as in any radio group.
    await page.getByRole('radio', { name: /Free/ }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(starter.getAttribute('aria-checked')).resolves.toBe('true');
    await inspectPage(page, 'portal', 'onboarding-plans');
  });

  it('shows a trial’s plan, price, status and end, and changes the plan after saying the price difference and the restart', async () => {
    const page = await as('dora', `/t/${D}/billing`);
    await expect(page.locator('[data-test=billing-plan]').textContent()).resolves.toBe('Starter');
    await expect(page.locator('[data-test=billing-price]').textContent()).resolves.toBe('€19.00 / month');
    await page.locator('[data-test=billing-status][data-status=trialing]').waitFor();
    await expect(page.locator('[data-test=billing-trial-end]').textContent()).resolves.toMatch(/^\d{1,2} \w{3} \d{4}$/);
    await expect(page.locator('[data-test=billing-sentence]').textContent()).resolves.toMatch(/Your trial is free until .+\. After that, €19\.00 \/ month\./);
    expect(await page.locator('[data-test=past-due-banner]').count()).toBe(0);
    await inspectPage(page, 'portal', 'billing-trial');

    await page.getByRole('radio', { name: /Business/ }).click();
    await page.locator('[data-test=change-plan]').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('Your price goes from €19.00 / month to €49.00 / month: €30.00 a month more.');
    await expect(dialog.textContent()).resolves.toContain('Your workspace restarts');
    await confirmDialog(page);
    await toast(page, 'You are now on Business');
    await page.locator('[data-test=billing-plan]', { hasText: 'Business' }).waitFor();
    await expect(page.locator('[data-test=billing-price]').textContent()).resolves.toBe('€49.00 / month');
    const subscription = await stack.api<{ plan: string; monthlyPrice: number }>(await stack.token('dora', 'portal'), 'GET', `/tenants/${D}/subscription`);
    expect(subscription).toMatchObject({ plan: 'business', monthlyPrice: 4_900 });
  });

  it('tells a partner’s past-due customer what happens next and links the partner’s support', async () => {
    const page = await as('rita', `/t/${R}/billing`);
    const banner = page.locator('[data-test=past-due-banner]');
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toMatch(/may be suspended.*data is kept.*contact Reseller Cloud/s);
    await expect(banner.getByRole('link', { name: 'Contact Reseller Cloud' }).getAttribute('href')).resolves.toBe('https://reseller.example/help');
    await page.locator('[data-test=billing-status][data-status=past_due]').waitFor();
    await expect(page.locator('[data-test=billing-status]').textContent()).resolves.toBe('Past due');
    await inspectPage(page, 'portal', 'billing-past-due-partner');
    // The workspace's home says so too, and leads here.
    await page.goto(`${stack.portalOrigin}/t/${R}`);
    await page.locator('[data-test=past-due-notice]').getByRole('link', { name: 'Open billing' }).waitFor();
  });

  it('sends a direct customer who is past due to the platform’s support', async () => {
    await stack.api(operator, 'PATCH', `/tenants/${D}/subscription`, { status: 'past_due' });
    const page = await as('dora', `/t/${D}/billing`);
    const banner = page.locator('[data-test=past-due-banner]');
    await expect(banner.getByRole('link', { name: 'Contact support' }).getAttribute('href')).resolves.toBe('mailto:support@localhost');
    await expect(banner.textContent()).resolves.toContain('contact our support team');
  });
});
