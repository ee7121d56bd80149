import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confirmDialog, inspectPage, launchChromium, newDesktopContext, settle, signInWithBrowser, startPlatformStack, toast, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * People administration in the console, in Chromium through dev-idp's real
 * login against the real API and database. Opal operates; Dora owns a
 * workspace and is signed in to the portal while Opal disables her. Every
 * page is screenshot at 1440 and 390 px and checked by axe-core.
 */
describe('people in the console', () => {
  const sfx = randomBytes(3).toString('hex');
  const DORA = `dora-${sfx}@customer.test`;
  const backups = mkdtempSync(join(tmpdir(), 'tessera-console-backups-'));
  let stack: PlatformStack;
  let browser: Browser;
  let doraId: string;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  async function as(origin: string, username: string, next = '/'): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, origin, consoleErrors);
    await signInWithBrowser(page, origin, username, next);
    if (new URL(page.url()).pathname + new URL(page.url()).search !== next) await go(page, `${origin}${next}`);
    return page;
  }
  const go = async (page: Page, url: string) => {
    await page.goto(url);
    await settle(page);
  };

  beforeAll(async () => {
    stack = await startPlatformStack('people_console', { apiEnv: { PLATFORM_BACKUP_DIR: backups } });
    await stack.idp.createPerson('opal', { name: 'Opal Operator', email: `opal-${sfx}@platform.test`, groups: ['platform-admins'] });
    await stack.idp.createPerson('dora', { name: 'Dora Explorer', email: DORA });
    const dora = await stack.token('dora', 'portal');
    doraId = (await stack.api<{ id: string }>(dora, 'GET', '/users/me')).id;
    await stack.api(dora, 'POST', '/tenants', { slug: `doras-${sfx}`, name: "Dora's Place", plan: 'free' });
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
    rmSync(backups, { recursive: true, force: true });
  });

  it('lists people with their tenants and last sign-in, searches them (kept in the address), and opens a person', async () => {
    const page = await as(stack.operatorOrigin, 'opal', '/people');
    await page.locator(`[data-person="${DORA}"]`).waitFor();
    const row = page.locator('[data-test=people] tbody tr', { has: page.locator(`[data-person="${DORA}"]`) });
    await expect(row.textContent()).resolves.toMatch(/Dora's Place · Owner/);
    await expect(row.textContent()).resolves.toMatch(/May sign in/);
    await inspectPage(page, 'operator', 'people');

    await page.fill('#people-search', 'opal');
    await page.waitForURL('**/people?search=opal');
    await page.locator(`[data-person="${DORA}"]`).waitFor({ state: 'detached' });
    await expect(page.locator('[data-test=people]').textContent()).resolves.toContain('Platform admin');
    await go(page, `${stack.operatorOrigin}/people?search=explorer`);
    await page.click(`[data-person="${DORA}"]`);
    await page.waitForURL(`**/people/${doraId}`);
    await page.locator('[data-test=places]').waitFor();
    await expect(page.locator('[data-test=places]').textContent()).resolves.toContain("Dora's Place");
    await expect(page.locator('[data-test=admin-group]').textContent()).resolves.toContain('Not in the group');
    await inspectPage(page, 'operator', 'person');
  });

  it("disables a person behind a confirmation with a reason: her portal session ends at once; enabling lets her back", async () => {
    const portal = await as(stack.portalOrigin, 'dora', '/');
    const page = await as(stack.operatorOrigin, 'opal', `/people/${doraId}`);
    await page.click('[data-test=disable]');
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain('refuses');
    expect(await dialog.locator('[data-test=confirm-yes]').isDisabled()).toBe(true);
    await inspectPage(page, 'operator', 'person-disable-confirm');
    await confirmDialog(page, 'Left the company');
    await toast(page, 'Dora Explorer is disabled');
    await page.locator('[data-test=disabled-notice]').waitFor();
    await inspectPage(page, 'operator', 'person-disabled');

    // Her next page in the portal says the account is disabled, and the session is over.
    await portal.reload();
    await portal.waitForURL('**/account-disabled');
    await settle(portal);
    await expect(portal.textContent('body')).resolves.toMatch(/disabled/i);

    await page.click('[data-test=enable]');
    await confirmDialog(page);
    await toast(page, 'Dora Explorer may sign in again');
    await page.locator('[data-test=disabled-notice]').waitFor({ state: 'detached' });
    await expect(page.locator('[data-test=access]').textContent()).resolves.toBe('May sign in');
  });

  it('grants and revokes platform administration, both asking first, and refuses to let you disable yourself', async () => {
    const page = await as(stack.operatorOrigin, 'opal', `/people/${doraId}`);
    await page.click('[data-test=grant-admin]');
    await confirmDialog(page, 'Joins operations');
    await toast(page, 'Dora Explorer is a platform admin');
    await page.locator('[data-test=admin-badge]').waitFor();
    await expect(page.locator('[data-test=admin-group]').textContent()).resolves.toContain('In the group');
    await page.click('[data-test=revoke-admin]');
    await confirmDialog(page, 'Back to her own workspace');
    await toast(page, 'Dora Explorer is no longer a platform admin');
    await page.locator('[data-test=admin-badge]').waitFor({ state: 'detached' });

    const opalId = (await stack.api<{ id: string }>(await stack.token('opal', 'operator'), 'GET', '/users/me')).id;
    await go(page, `${stack.operatorOrigin}/people/${opalId}`);
    await page.locator('[data-test=self-note]').waitFor();
    expect(await page.locator('[data-test=disable]').isDisabled()).toBe(true);
    expect(await page.locator('[data-test=revoke-admin]').isDisabled()).toBe(true);
    await go(page, `${stack.operatorOrigin}/audit?action=person`);
    await page.locator('[data-test=audit]', { hasText: 'Left the company' }).waitFor();
  });

  it('backs up the platform database from the Infrastructure page, and lists the run with its size and duration', async () => {
    const page = await as(stack.operatorOrigin, 'opal', '/health');
    await page.locator('[data-test=platform-backups]').waitFor();
    await expect(page.locator('[data-test=platform-backups]').textContent()).resolves.toContain('No schedule in the API');
    await page.click('[data-test=backup-now]');
    await toast(page, 'The platform database is backed up');
    await page.locator('[data-test=platform-backups] [data-backup-run=succeeded]').waitFor();
    await expect(page.locator('[data-test=platform-backups] [data-backup-run=succeeded]').textContent()).resolves.toMatch(/platform-.*documents in \d+ collections.*Started by Opal Operator/s);
    await page.locator('[data-test=platform-backups]').scrollIntoViewIfNeeded();
    await inspectPage(page, 'operator', 'platform-backups');
  });
});
