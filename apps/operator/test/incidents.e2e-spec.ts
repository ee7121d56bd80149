import { randomBytes } from 'node:crypto';
import type { Incident, IncidentSummary, Page as ApiPage } from '@tessera/contracts';
import { confirmDialog, engineCall, inspectPage, launchChromium, newDesktopContext, removeEngineObjects, settle, signInWithBrowser, startPlatformStack, testEngineSocket, toast, until, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Incidents in the console, in Chromium against the real API, database and
 * container engine: a workspace killed out of band opens an incident (the
 * pass runs every second, with no threshold), which Opal acknowledges and
 * remedies by restarting the workspace; a second one she resolves with a note.
 */
describe('incidents in the console', () => {
  const T = `inc-${randomBytes(3).toString('hex')}`;
  let stack: PlatformStack;
  let browser: Browser;
  let operator: string;
  let page: Page;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];
  const go = async (path: string) => {
    await page.goto(`${stack.operatorOrigin}${path}`);
    await settle(page);
  };
  const openIncident = async (): Promise<IncidentSummary> => {
    let found: IncidentSummary | undefined;
    await until(`an incident opens for ${T}`, async () => {
      found = (await stack.api<ApiPage<IncidentSummary>>(operator, 'GET', `/incidents?state=open&tenant=${T}`)).items[0];
      return found !== undefined;
    });
    return found!;
  };
  const kill = async () => expect((await engineCall(stack.engineSocket!, 'POST', `/containers/tessera-${T}-app/kill`)).status).toBe(204);

  beforeAll(async () => {
    stack = await startPlatformStack('incidents_console', {
      engineSocket: testEngineSocket(),
      apiEnv: { INCIDENTS_CHECK_SECONDS: '1', INCIDENTS_TENANT_THRESHOLD_SECONDS: '0', INCIDENTS_PROBE_THRESHOLD_SECONDS: '3600' },
    });
    await stack.idp.createPerson('opal', { name: 'Opal Operator', groups: ['platform-admins'] });
    await stack.idp.createPerson('owen', { name: 'Owen Owner' });
    operator = await stack.token('opal', 'operator');
    await stack.api(await stack.token('owen', 'portal'), 'POST', '/tenants', { slug: T, name: 'Incident Works', plan: 'free' });
    await until(`${T} is active`, async () => (await stack.api<{ status: string }>(operator, 'GET', `/tenants/${T}`)).status === 'active');
    browser = await launchChromium();
    const context = await newDesktopContext(browser);
    contexts.push(context);
    page = await context.newPage();
    watchConsole(page, stack.operatorOrigin, consoleErrors);
    await signInWithBrowser(page, stack.operatorOrigin, 'opal', '/incidents');
  });
  beforeEach(() => {
    consoleErrors.length = 0;
  });
  afterEach(() => {
    expect(consoleErrors).toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    if (stack?.engineSocket) await removeEngineObjects(stack.engineSocket, [T]);
    await stack?.stop();
  });

  it('lists an open incident in sentences, acknowledges it, and fixes it by restarting the workspace, audited', async () => {
    await kill();
    const incident = await openIncident();
    await go('/incidents');
    const item = page.locator(`[data-incident="${incident.id}"]`);
    await item.waitFor();
    await expect(item.textContent()).resolves.toMatch(/Incident Works is down.*Open for .*nobody has acknowledged it yet/s);
    await inspectPage(page, 'operator', 'incidents');

    await item.getByRole('link').click();
    await page.waitForURL(`**/incidents/${incident.id}`);
    await page.locator('[data-test=timeline] [data-entry=opened]').waitFor();
    await page.click('[data-test=acknowledge]');
    await toast(page, 'Acknowledged');
    await page.locator('[data-test=timeline] [data-entry=acknowledged]').waitFor();
    await inspectPage(page, 'operator', 'incident');

    await page.click('[data-test=remedy-restart-workspace]');
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('interrupted');
    await confirmDialog(page);
    await toast(page, 'Fixed: the incident is resolved');
    await page.locator('[data-test=incident-state]', { hasText: 'Resolved' }).waitFor();
    await expect(page.locator('[data-test=timeline] [data-entry=action]').textContent()).resolves.toContain('Restarted the workspace: it is running.');
    expect(await page.locator('[data-test=remediation]').count()).toBe(0);
    await inspectPage(page, 'operator', 'incident-resolved');

    const audit = await stack.api<ApiPage<{ action: string; reason: string | null }>>(operator, 'GET', `/audit?tenant=${T}&action=workspace.restart`);
    expect(audit.items[0]?.reason).toContain('Remediation of the incident');
    expect((await stack.api<ApiPage<{ action: string }>>(operator, 'GET', `/audit?action=incident.acknowledge`)).total).toBe(1);
  });

  it("resolves an incident with a note, and shows the tenant's incidents on its page and the past ones in the list", async () => {
    await kill();
    const incident = await openIncident();
    await go(`/incidents/${incident.id}`);
    await page.click('[data-test=resolve]');
    await confirmDialog(page, 'Owner asked us to leave it stopped for now');
    await toast(page, 'Incident resolved');
    await expect(page.locator('[data-test=incident-standing]').textContent()).resolves.toMatch(/^Resolved by an operator/);
    const full = await stack.api<Incident>(operator, 'GET', `/incidents/${incident.id}`);
    expect(full.timeline.filter((entry) => entry.type === 'resolved')).toHaveLength(1);
    expect(full.timeline.find((entry) => entry.type === 'resolved')?.text).toBe('Resolved by an operator: Owner asked us to leave it stopped for now');

    await go(`/tenants/${T}`);
    const card = page.locator('[data-test=tenant-incidents]');
    await card.locator(`[data-incident="${incident.id}"][data-state=resolved]`).waitFor();
    await card.scrollIntoViewIfNeeded();
    await inspectPage(page, 'operator', 'tenant-incidents');

    await go('/incidents?state=resolved');
    await expect(page.locator('[data-test=incident-list]').textContent()).resolves.toMatch(/Resolved by itself after .*Resolved by an operator after|Resolved by an operator after .*Resolved by itself after/s);
  });
});
