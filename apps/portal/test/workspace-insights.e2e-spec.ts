import { randomBytes } from 'node:crypto';
import { execInWorkspace, inspectPage, launchChromium, newDesktopContext, removeEngineObjects, signInWithBrowser, startPlatformStack, testEngineSocket, until, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * A workspace's logs and usage in the portal, in Chromium, against the built
 * platform on the real engine: lines printed inside the workspace container
 * reach the page as they are printed, and the charts draw the samples the
 * API's sampler takes of the running container (every 2 seconds here).
 * Every page is looked at (inspectPage: screenshots at 1440 and 390 px, axe,
 * no sideways scroll on a phone).
 */
describe('workspace logs and usage in the portal', () => {
  const sfx = randomBytes(3).toString('hex');
  const A = `lu-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let socket: string;
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
  /** Writes a line to the workspace's own output, as its application would. */
  const print = (text: string, stream: 1 | 2 = 1) => execInWorkspace(socket, A, `echo "${text}" > /proc/1/fd/${stream}`);

  beforeAll(async () => {
    socket = testEngineSocket();
    stack = await startPlatformStack('portal_insights', { engineSocket: socket, apiEnv: { USAGE_SAMPLE_SECONDS: '2' } });
    await stack.idp.createPerson('carol', { email: `carol-${sfx}@customer.test`, name: 'Carol Customer' });
    await stack.idp.createPerson('mel', { email: `mel-${sfx}@customer.test`, name: 'Mel Member' });
    const carol = await stack.token('carol', 'portal');
    await stack.api(carol, 'POST', '/tenants', { slug: A, name: 'Acme', plan: 'starter' });
    await stack.api(carol, 'POST', `/tenants/${A}/members`, { email: `mel-${sfx}@customer.test`, role: 'member' });
    await until(`${A} runs its workspace`, async () => (await stack.api<{ state: string }>(carol, 'GET', `/tenants/${A}/workspace`)).state === 'running', { timeoutMs: 60_000 });
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
    if (socket) await removeEngineObjects(socket, [A]);
  });

  it('follows the workspace’s log as it prints, pauses and resumes without losing a line, and finds lines by search', async () => {
    const page = await as('carol', `/t/${A}/logs`);
    const lines = page.locator('[data-test=log-line]');
    await page.locator('[data-test=logs-state][data-status=live]').waitFor();
    await print(`hello from ${sfx}`);
    await lines.filter({ hasText: `hello from ${sfx}` }).waitFor();

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-test=logs-state][data-status=paused]').waitFor();
    await print(`printed while paused ${sfx}`);
    await print(`something failed ${sfx}`, 2);
    // Paused: the stream is closed, so nothing can arrive until Resume.
    expect(await lines.filter({ hasText: `printed while paused ${sfx}` }).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await lines.filter({ hasText: `printed while paused ${sfx}` }).waitFor();
    // Errors read as errors; and every line shows once, the resume picking up after the last one seen.
    await page.locator('[data-test=log-line][data-stream=stderr]', { hasText: `something failed ${sfx}` }).waitFor();
    expect(await lines.filter({ hasText: `hello from ${sfx}` }).count()).toBe(1);
    expect(await lines.filter({ hasText: `printed while paused ${sfx}` }).count()).toBe(1);

    // Follow keeps the newest line in view.
    for (let i = 0; i < 60; i += 1) await print(`line ${i} of a burst ${sfx}`);
    const last = lines.filter({ hasText: `line 59 of a burst ${sfx}` });
    await last.waitFor();
    await until('the newest line is scrolled into view', async () =>
      last.evaluate((element) => {
        const box = element.getBoundingClientRect();
        const view = element.closest('[data-test=logs-lines]')!.getBoundingClientRect();
        return box.bottom <= view.bottom + 1 && box.top >= view.top - 1;
      }),
    );

    await inspectPage(page, 'portal', 'workspace-logs');
    await page.getByLabel('Search the lines').fill(`something failed ${sfx}`);
    await until('only the matching line shows', async () => (await lines.count()) === 1);
    await page.locator('[data-test=log-line] mark', { hasText: `something failed ${sfx}` }).waitFor();
    await inspectPage(page, 'portal', 'workspace-logs-search');
  });

  it('draws the usage charts from real samples of the running workspace, with the plan’s limits', async () => {
    const page = await as('carol', `/t/${A}/usage`);
    await page.getByRole('tab', { name: 'Last hour' }).click();
    const charts = page.locator('[data-test=usage-charts]');
    // A sample every 2 seconds; the page reads again every 5.
    await until('the charts hold several samples', async () => Number((await charts.getAttribute('data-points').catch(() => null)) ?? 0) >= 3, { timeoutMs: 60_000 });
    for (const chart of ['cpu', 'memory', 'network']) {
      // Each chart drew its series: an SVG path through the points.
      await until(`the ${chart} chart draws its line`, async () => (await page.locator(`[data-test=chart-${chart}] svg path[d]`).evaluateAll((paths) => paths.filter((path) => (path.getAttribute('d') ?? '').length > 40).length)) > 0);
    }
    // The plan's limits (starter: half a processor, 128 MB), drawn and said.
    await page.locator('[data-test=chart-cpu]').getByText('Plan limit 50 %').waitFor();
    await page.locator('[data-test=chart-memory]').getByText('Plan limit 128 MB').waitFor();
    await expect(page.locator('[data-test=chart-memory]').textContent()).resolves.toMatch(/of the 128 MB the plan allows/);
    await expect(page.locator('[data-test=chart-restarts]').textContent()).resolves.toContain('No restart in this period.');
    // A restart shows as a bar, and is counted, once the sampler has seen it.
    await stack.api(await stack.token('carol', 'portal'), 'POST', `/tenants/${A}/workspace/restart`, {});
    await page.locator('[data-test=chart-restarts]').getByText('1 restart in this period.').waitFor({ timeout: 60_000 });
    await inspectPage(page, 'portal', 'workspace-usage');
  });

  it('offers usage to every member and logs to owners only', async () => {
    const page = await as('mel', `/t/${A}/usage`);
    await page.getByRole('link', { name: 'Usage', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Logs', exact: true }).count()).toBe(0);
    await page.goto(`${stack.portalOrigin}/t/${A}/logs`);
    await page.locator('[data-test=logs-owners-only]').waitFor();
    await inspectPage(page, 'portal', 'workspace-logs-member');
  });
});
