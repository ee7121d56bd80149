import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKUP_IMAGE, confirmDialog, engineCall, ensureBackupImage, inspectPage, launchChromium, newDesktopContext, removeEngineObjects, settle, signInWithBrowser, startPlatformStack, testEngineSocket, until, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Page as ApiPage, AuditEvent, Tenant, TenantBackup } from '@tessera/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Backups on a tenant's page, in Chromium, against the built platform on the
 * real engine with real restic: an owner backs up now and restores after a
 * confirmation that says what is replaced (portal); an operator restores a
 * backup into a new tenant (console); terminate is refused when the backup
 * taken first fails, and an operator terminates without a backup, giving a
 * reason the audit trail keeps (console). Every page is looked at (inspectPage:
 * screenshots at 1440 and 390 px, axe, no sideways scroll on a phone).
 */
describe('tenant backups in the portal and the console', () => {
  const sfx = randomBytes(3).toString('hex');
  const A = `bku-${sfx}`;
  const COPY = `bku-${sfx}-copy`;
  const repositoryVolume = `tessera-backups-ui-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let socket: string;
  let owner: string;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  async function as(origin: string, username: string, next: string): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, origin, consoleErrors);
    await signInWithBrowser(page, origin, username, next);
    // Both apps come back to the page asked for.
    expect(new URL(page.url()).pathname).toBe(next);
    return page;
  }

  beforeAll(async () => {
    socket = testEngineSocket();
    await ensureBackupImage(socket);
    stack = await startPlatformStack('portal_backups', {
      engineSocket: socket,
      apiEnv: { BACKUP_PASSWORD: `ui-backups-${sfx}-password`, BACKUP_REPOSITORY: repositoryVolume, BACKUP_IMAGE, BACKUP_CHECK_SECONDS: '0' },
    });
    await stack.idp.createPerson('carol', { email: `carol-${sfx}@customer.test`, name: 'Carol Customer' });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'], name: 'Opal Operator' });
    owner = await stack.token('carol', 'portal');
    await stack.api(owner, 'POST', '/tenants', { slug: A, name: 'Acme Backups' });
    await until(`${A} runs its workspace`, async () => (await stack.api<{ state: string }>(owner, 'GET', `/tenants/${A}/workspace`)).state === 'running', { timeoutMs: 60_000 });
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
    if (socket) await removeEngineObjects(socket, [A, COPY]);
  });

  it('lets an owner back up now, then restore after a confirmation that says the current data is replaced and a backup is taken first', async () => {
    const page = await as(stack.portalOrigin, 'carol', `/t/${A}`);
    const section = page.locator('[data-test=backups]');
    await section.locator('[data-test=backups-empty]').waitFor();
    await section.locator('[data-test=backup-now]').click();
    await page.getByText('Backup finished', { exact: true }).waitFor({ timeout: 60_000 });
    const done = section.locator('[data-result=succeeded]');
    await done.first().waitFor();
    expect(await done.first().locator('[data-test=backup-sentence]').innerText()).toMatch(/^Saved .+ \(\d+ files?\) on .+ by Carol Customer, in .+\. Its file list was recorded/);
    await settle(page);
    await inspectPage(page, 'portal', 'tenant-backups');

    await done.first().locator('[data-test=backup-restore]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Everything in the workspace now is replaced by the backup').waitFor();
    expect(await dialog.innerText()).toMatch(/A backup of the current data is taken first/);
    await inspectPage(page, 'portal', 'tenant-backup-restore-confirm');
    await dialog.locator('[data-test=confirm-yes]').click();
    await page.getByText('Backup restored', { exact: true }).waitFor({ timeout: 60_000 });
    await section.locator('[data-test=restore-sentence]', { hasText: 'Proven: restic' }).waitFor();
    // The backup taken first is listed too.
    await section.getByText('Backup before a restore').waitFor();
    await settle(page);
    await inspectPage(page, 'portal', 'tenant-backups-restored');
  });

  it('lets an operator restore a backup into a new tenant from the console', async () => {
    const page = await as(stack.operatorOrigin, 'opal', `/tenants/${A}`);
    const section = page.locator('[data-test=backups]');
    await section.locator('[data-test=backup-restore-new]').first().waitFor({ timeout: 60_000 });
    await settle(page);
    await inspectPage(page, 'operator', 'tenant-backups');
    await section.locator('[data-test=backup-restore-new]').first().click();
    const form = page.locator('[data-test=restore-new-form]');
    await form.locator('[data-test=restore-new-slug]').fill(COPY);
    await form.locator('[data-test=restore-new-name]').fill('Acme Backups (copy)');
    await inspectPage(page, 'operator', 'tenant-backup-restore-new');
    await form.locator('[data-test=restore-new-submit]').click();
    await page.waitForURL(`**/tenants/${COPY}`, { timeout: 90_000 });
    await page.getByText('Restored into Acme Backups (copy)', { exact: true }).waitFor();
    const copies = await stack.api<ApiPage<TenantBackup>>(owner, 'GET', `/tenants/${A}/backups`);
    expect(copies.items.some((backup) => backup.restores.some((restore) => restore.into.slug === COPY && restore.drill?.passed === true && restore.drill.verifiedAgainstSnapshot))).toBe(true);
  });

  it('refuses to terminate when the backup taken first fails, says why, and terminates without a backup when the operator gives a reason', async () => {
    // Last: it ends tenant A. Its repository (backed up above) is damaged out of band, through the engine's view of the volume: its next backup fails.
    const { id: tenantId } = await stack.api<Tenant>(owner, 'GET', `/tenants/${A}`);
    const { body } = await engineCall(socket, 'GET', `/volumes/${repositoryVolume}`);
    writeFileSync(join((body as { Mountpoint: string }).Mountpoint, tenantId, 'config'), 'not a restic repository');

    const page = await as(stack.operatorOrigin, 'opal', `/tenants/${A}`);
    await page.getByRole('button', { name: 'Terminate…' }).click();
    await confirmDialog(page, 'Contract ended');
    const refused = page.locator('[data-test=terminate-refused]');
    await refused.waitFor({ timeout: 60_000 });
    expect(await refused.innerText()).toMatch(/Acme Backups was not terminated: .*backup.*An operator may terminate it anyway, without a backup, giving a reason\./s);
    expect((await stack.api<Tenant>(owner, 'GET', `/tenants/${A}`)).status).toBe('active');
    await settle(page);
    await inspectPage(page, 'operator', 'tenant-terminate-refused');

    await refused.locator('[data-test=terminate-force]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('no copy of its current data is made').waitFor();
    // The reason is required: nothing can be confirmed without one.
    await expect(dialog.locator('[data-test=confirm-yes]').isDisabled()).resolves.toBe(true);
    await dialog.locator('textarea[name=reason]').fill('The repository is damaged; the data was copied by hand');
    await inspectPage(page, 'operator', 'tenant-terminate-force-confirm');
    await dialog.locator('[data-test=confirm-yes]').click();
    await page.getByText('Acme Backups is terminated', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByText('This tenant is terminated. Its data is kept; nothing more can be changed.').waitFor();
    expect(await refused.count()).toBe(0);
    await settle(page);
    await inspectPage(page, 'operator', 'tenant-terminated-without-backup');

    const operator = await stack.token('opal', 'operator');
    const audit = await stack.api<ApiPage<AuditEvent>>(operator, 'GET', `/audit?tenant=${A}&pageSize=20`);
    const terminated = audit.items.filter((event) => event.action === 'tenant.terminate');
    expect(terminated).toHaveLength(1);
    expect(terminated[0]).toMatchObject({ reason: 'The repository is damaged; the data was copied by hand', changes: { status: { to: 'terminated' }, backupFirst: { to: expect.stringContaining('forced past a failed backup') } } });
  }, 300_000);
});
