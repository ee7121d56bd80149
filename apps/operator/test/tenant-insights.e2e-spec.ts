import { randomBytes } from 'node:crypto';
import { execInWorkspace, inspectPage, launchChromium, newDesktopContext, removeEngineObjects, settle, signInWithBrowser, startPlatformStack, testEngineSocket, until, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * A tenant's usage and logs on its console page, in Chromium, against the
 * built platform on the real engine: the charts for any operator, the logs
 * only under support access an owner approved (and audited once).
 */
describe('usage and logs on the console’s tenant page', () => {
  const sfx = randomBytes(3).toString('hex');
  const T = `ins-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let socket: string;
  let operator: string;
  let owner: string;
  let opal: Page;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  async function as(username: string): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, stack.operatorOrigin, consoleErrors);
    await signInWithBrowser(page, stack.operatorOrigin, username);
    await open(page, `/tenants/${T}`);
    return page;
  }
  /**
   * Goes to a console page. Chromium abandons a navigation when the host's
   * network changes (another test's engine adding a network): that one is
   * tried again, as a person would reload.
   */
  async function open(page: Page, path: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await page.goto(`${stack.operatorOrigin}${path}`);
        break;
      } catch (error: unknown) {
        if (attempt >= 3 || !String(error).includes('ERR_NETWORK_CHANGED')) throw error;
      }
    }
    await settle(page);
  }

  beforeAll(async () => {
    socket = testEngineSocket();
    stack = await startPlatformStack('operator_insights', { engineSocket: socket, apiEnv: { USAGE_SAMPLE_SECONDS: '2' } });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    await stack.idp.createPerson('tom');
    operator = await stack.token('opal', 'operator');
    owner = await stack.token('tom', 'portal');
    await stack.api(owner, 'POST', '/tenants', { slug: T, name: 'Insightful', plan: 'business' });
    await until(`${T} runs its workspace`, async () => (await stack.api<{ state: string }>(owner, 'GET', `/tenants/${T}/workspace`)).state === 'running', { timeoutMs: 60_000 });
    browser = await launchChromium();
    opal = await as('opal');
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
    if (socket) await removeEngineObjects(socket, [T]);
  });

  it('shows the usage charts with the plan’s limits, and keeps the logs closed without support access', async () => {
    const page = opal;
    await open(page, `/tenants/${T}`);
    await page.locator('[data-test=workspace-usage-charts]').getByRole('tab', { name: 'Last hour' }).click();
    const charts = page.locator('[data-test=usage-charts]');
    await until('the charts hold several samples', async () => Number((await charts.getAttribute('data-points').catch(() => null)) ?? 0) >= 3, { timeoutMs: 60_000 });
    // Business: one processor, 256 MB.
    await page.locator('[data-test=chart-cpu]').getByText('Plan limit 100 %').waitFor();
    await page.locator('[data-test=chart-memory]').getByText('Plan limit 256 MB').waitFor();
    await page.locator('[data-test=logs-need-support]').waitFor();
    expect(await page.locator('[data-test=workspace-logs]').count()).toBe(0);
    await settle(page);
    await inspectPage(page, 'operator', 'tenant-usage');
  });

  it('opens the logs under an approved grant, follows a line, and audits the reading once', async () => {
    const request = await stack.api<{ id: string }>(operator, 'POST', `/tenants/${T}/support-access`, { reason: 'Ticket 7: the app logs errors' });
    await stack.api(owner, 'POST', `/tenants/${T}/support-access/${request.id}/approve`, {});
    const page = opal;
    await open(page, `/tenants/${T}`);
    await page.locator('[data-test=open-logs]').click();
    await page.locator('[data-test=logs-state][data-status=live]').waitFor();
    await execInWorkspace(socket, T, `echo "seen by support ${sfx}" > /proc/1/fd/1`);
    await page.locator('[data-test=log-line]', { hasText: `seen by support ${sfx}` }).waitFor();
    // Reading again in the same session writes nothing more.
    await open(page, `/tenants/${T}`);
    await page.locator('[data-test=open-logs]').click();
    await page.locator('[data-test=log-line]', { hasText: `seen by support ${sfx}` }).waitFor();
    const reads = await stack.api<{ items: { support: { grantId: string } | null }[] }>(operator, 'GET', `/audit?action=workspace.logs.read&tenant=${T}`);
    expect(reads.items).toHaveLength(1);
    expect(reads.items[0]!.support?.grantId).toBe(request.id);
    await inspectPage(page, 'operator', 'tenant-logs');
  });
});
