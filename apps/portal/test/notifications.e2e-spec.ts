import { randomBytes } from 'node:crypto';
import { confirmDialog, inspectPage, launchChromium, newDesktopContext, settle, signInWithBrowser, startPlatformStack, toast, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Notifications in the apps, in Chromium, against the built platform: a
 * person turns a kind of email off in their account (a security kind's
 * switch is locked on); a workspace's owner adds a webhook (its secret shown
 * once), reads its delivery log and disables it after a confirmation; an
 * operator finds the platform's webhooks in the console. Every page is
 * looked at (inspectPage: 1440 and 390 px, axe, no sideways scroll).
 */
describe('notifications in the portal and the console', () => {
  const slug = `nt-${randomBytes(3).toString('hex')}`;
  let stack: PlatformStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  async function as(origin: string, username: string, next: string): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, origin, consoleErrors);
    await signInWithBrowser(page, origin, username, next);
    return page;
  }

  beforeAll(async () => {
    stack = await startPlatformStack('portal_notifications', { engineSocket: null });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    await stack.idp.createPerson('owen');
    await stack.api(await stack.token('owen', 'portal'), 'POST', '/tenants', { slug, name: 'Notified Co' });
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

  it('lets a person turn a kind of email off, and keeps security notices locked on', async () => {
    const page = await as(stack.portalOrigin, 'owen', '/account/notifications');
    const down = page.locator('[data-test="pref-workspace.down"]');
    await expect(down.getAttribute('aria-checked')).resolves.toBe('true');
    await expect(page.locator('[data-test="pref-support.requested"]').isDisabled()).resolves.toBe(true);
    await down.click();
    await toast(page, 'You will no longer be told');
    await expect(down.getAttribute('aria-checked')).resolves.toBe('false');
    await page.reload();
    await settle(page);
    await expect(page.locator('[data-test="pref-workspace.down"]').getAttribute('aria-checked')).resolves.toBe('false');
    await inspectPage(page, 'portal', 'account-notifications');
  });

  it("lets a workspace's owner add a webhook, shows its secret once, rotates it after a confirmation (the new one shown once), and disables it after a confirmation", async () => {
    const page = await as(stack.portalOrigin, 'owen', `/t/${slug}/webhooks`);
    await page.getByText('No webhooks yet').waitFor();
    await page.fill('#webhook-url', 'https://hooks.example.com/tessera');
    await page.fill('#webhook-description', 'Our on-call channel');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await toast(page, 'Webhook added');
    await expect(page.locator('[data-test=webhook-secret]').textContent()).resolves.toMatch(/whsec_/);
    await page.locator('[data-test=webhooks]').getByText('https://hooks.example.com/tessera').waitFor();
    await inspectPage(page, 'portal', 'webhooks');
    await page.getByRole('button', { name: 'Deliveries to https://hooks.example.com/tessera' }).click();
    await page.getByText('Nothing was sent to this address yet.').waitFor();
    await inspectPage(page, 'portal', 'webhook-deliveries');
    await page.keyboard.press('Escape');
    const first = await page.locator('[data-test=webhook-secret-value]').textContent();
    await page.getByRole('button', { name: 'Rotate secret of https://hooks.example.com/tessera' }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('each notice carries two signatures');
    await confirmDialog(page);
    await toast(page, 'Signing secret rotated');
    const secret = page.locator('[data-test=webhook-secret]');
    await secret.getByText('Copy the new signing secret now').waitFor();
    const second = await page.locator('[data-test=webhook-secret-value]').textContent();
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(await secret.textContent()).toMatch(/with the old one beside it until/);
    await inspectPage(page, 'portal', 'webhook-secret-rotated');
    await page.getByRole('button', { name: 'Disable https://hooks.example.com/tessera' }).click();
    await confirmDialog(page);
    await toast(page, 'Webhook disabled');
    await page.locator('[data-test=webhooks] [data-status=disabled]').waitFor();
  });

  it('shows operators the platform’s webhooks in the console', async () => {
    const page = await as(stack.operatorOrigin, 'opal', '/');
    await page.goto(`${stack.operatorOrigin}/webhooks`);
    await settle(page);
    await page.getByText('No webhooks yet').waitFor();
    await page.fill('#webhook-url', 'https://ops.example.com/hooks');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await toast(page, 'Webhook added');
    await page.locator('[data-test=webhooks]').getByText('https://ops.example.com/hooks').waitFor();
    await inspectPage(page, 'operator', 'webhooks');
  });
});
