import { randomBytes } from 'node:crypto';
import { engineCall, launchChromium, removeEngineObjects, screenshot, signInWithBrowser, startPlatformStack, testEngineSocket, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The operator console in Chromium, through dev-idp's real login, against the
 * real API, database and container engine. Opal is a platform admin; Nadia
 * signs in to the operator application too, but is not one.
 */
describe('the operator console', () => {
  const sfx = randomBytes(3).toString('hex');
  const T = `op-${sfx}`;
  const W = `wait-${sfx}`;
  const P = `opp-${sfx}`;
  let stack: PlatformStack;
  let browser: Browser;
  let operator: string;
  let console_: Page;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  async function as(username: string, next = '/'): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && message.location().url.startsWith(stack.operatorOrigin)) consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    await signInWithBrowser(page, stack.operatorOrigin, username, next);
    return page;
  }
  const fromPage = (page: Page, path: string) => page.evaluate(async (p) => (await fetch(p)).status, path);
  const go = async (path: string, shot?: string) => {
    await console_.goto(`${stack.operatorOrigin}${path}`);
    await console_.waitForLoadState('networkidle');
    if (shot) await screenshot(console_, 'operator', shot);
  };

  beforeAll(async () => {
    stack = await startPlatformStack('operator_console', { engineSocket: testEngineSocket(), apiEnv: { SUPPORT_ACCESS_TTL_SECONDS: '15' } });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    await stack.idp.createPerson('nadia');
    await stack.idp.createPerson('tom');
    operator = await stack.token('opal', 'operator');
    const owner = await stack.token('tom', 'portal');
    await stack.api(owner, 'POST', '/tenants', { slug: T, name: 'Operated', plan: 'starter' });
    await stack.api(operator, 'POST', '/partners', { slug: P, name: 'Console Partner', marginPct: 15 });
    browser = await launchChromium();
    console_ = await as('opal');
  });
  beforeEach(() => {
    consoleErrors = [];
  });
  afterEach(() => {
    expect(consoleErrors.filter((text) => !text.startsWith('Failed to load resource'))).toEqual([]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.stop();
    if (stack?.engineSocket) await removeEngineObjects(stack.engineSocket, [T, W]);
  });

  it('refuses a non-admin with an operator-audience token, in the console and at the API', async () => {
    const page = await as('nadia');
    expect(new URL(page.url()).pathname).toBe('/not-allowed');
    await screenshot(page, 'operator', 'not-allowed');
    expect(await fromPage(page, '/api/tenants')).toBe(200); // her own tenants: none
    expect(await fromPage(page, '/api/system/overview')).toBe(403);
    expect(await fromPage(page, '/api/partners')).toBe(403);
    expect(await fromPage(page, `/api/tenants/${T}`)).toBe(403);
    const token = await stack.token('nadia', 'operator');
    await stack.api(token, 'GET', '/audit', undefined, [403]);
  });

  it('reconciles a tenant whose container was removed out of band, and shows it heal', async () => {
    for (let i = 0; i < 100; i += 1) {
      const tenant = await stack.api<{ status: string }>(operator, 'GET', `/tenants/${T}`);
      if (tenant.status === 'active') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const container = `tessera-${T}-app`;
    expect((await engineCall(stack.engineSocket!, 'DELETE', `/containers/${container}?force=true`)).status).toBe(204);
    await go(`/tenants/${T}`);
    await console_.click('[data-test=reconcile]');
    await console_.locator('[data-test=reconciled]').waitFor();
    const workspace = console_.locator('tr[data-step=workspace]');
    await expect(workspace.locator('[data-test=reconcile-result]').textContent()).resolves.toContain('container missing');
    await expect(workspace.locator('.state').first().textContent()).resolves.toBe('ok');
    expect((await engineCall(stack.engineSocket!, 'GET', `/containers/${container}/json`)).status).toBe(200);
    await console_.locator('[data-test=drift] li').first().waitFor();
    await screenshot(console_, 'operator', 'tenant-detail');
  });

  it('suspends and resumes a tenant behind a confirmation, with the reason in its audit trail', async () => {
    await go(`/tenants/${T}`);
    await console_.click('text=Suspend…');
    await console_.fill('[data-test=confirm] input[name=reason]', 'Chargeback');
    await console_.click('text=Yes, suspend');
    await console_.locator('[data-test=tenant-status]', { hasText: 'suspended' }).waitFor();
    await expect(console_.locator('[data-test=audit]').textContent()).resolves.toContain('Chargeback');
    await console_.click('text=Resume…');
    await console_.click('text=Yes, resume');
    await console_.locator('[data-test=tenant-status]', { hasText: 'active' }).waitFor();
  });

  it('approves a sign-up from the queue', async () => {
    await go('/approvals');
    await console_.click('[data-test=toggle-approval]');
    await console_.locator('[data-test=approval-setting]', { hasText: 'wait for approval' }).waitFor();
    const owner = await stack.token('tom', 'portal');
    await stack.api(owner, 'POST', '/tenants', { slug: W, name: 'Waiting' });
    await go('/approvals', 'approvals');
    const row = console_.locator(`tr[data-tenant="${W}"]`);
    await row.locator('input').fill('Known customer');
    await row.locator('text=Approve').click();
    await row.waitFor({ state: 'detached' });
    expect((await stack.api<{ approval: string }>(operator, 'GET', `/tenants/${W}`)).approval).toBe('approved');
    await console_.click('[data-test=toggle-approval]');
    await console_.locator('[data-test=approval-setting]', { hasText: 'provisioned at once' }).waitFor();
  });

  it('edits a flag’s rules, previews a tenant’s truth map before saving, and flips the kill switch', async () => {
    await go('/flags');
    await console_.fill('input[name=key]', 'console-flag');
    await console_.fill('input[name=description]', 'Set from the console');
    await console_.fill('input[name=owner]', 'operators');
    await Promise.all([console_.waitForURL('**/flags/console-flag'), console_.click('text=Create')]);
    await console_.click('text=Add rule');
    await console_.selectOption('[aria-label="Rule 1 type"]', 'tenants');
    await console_.fill('[aria-label="Rule 1 tenants"]', T);
    await console_.fill('input[name=previewTenant]', T);
    await console_.click('text=Preview truth map');
    await expect(console_.locator('[data-test=preview-value]').textContent()).resolves.toBe('true');
    // Previewed, not saved.
    expect((await stack.api<{ rules: unknown[] }>(operator, 'GET', '/flags/console-flag')).rules).toEqual([]);
    await screenshot(console_, 'operator', 'flag');
    await console_.click('text=Save');
    await console_.locator('[data-test=saved]').waitFor();
    const saved = await stack.api<{ rules: { tenantIds: string[] }[] }>(operator, 'GET', '/flags/console-flag');
    const tenant = await stack.api<{ id: string }>(operator, 'GET', `/tenants/${T}`);
    expect(saved.rules[0]!.tenantIds).toEqual([tenant.id]);
    await console_.click('[data-test=toggle-kill-switch]');
    await console_.locator('[data-test=kill-switch]', { hasText: 'off' }).waitFor();
    expect((await stack.api<{ enabled: boolean }>(operator, 'GET', '/flags/console-flag')).enabled).toBe(false);
  });

  it('attaches a tenant to a partner and changes its plan', async () => {
    await go(`/tenants/${T}`);
    await console_.selectOption('select[name=partner]', P);
    await console_.click('text=Attach');
    await console_.locator(`text=Detach from ${P}`).waitFor();
    await console_.selectOption('select[name=plan]', 'business');
    await console_.click('text=Change plan');
    await console_.locator('text=Plan: business').waitFor();
    const tenant = await stack.api<{ plan: string; partnerId: string }>(operator, 'GET', `/tenants/${T}`);
    expect(tenant.plan).toBe('business');
    await go(`/partners/${P}`, 'partner');
    await expect(console_.locator('table').textContent()).resolves.toContain(T);
  });

  it('requests support access, has it approved by the owner in the portal, uses it, and loses it when it expires', async () => {
    await go(`/tenants/${T}`);
    await console_.locator('[data-test=members-hidden]').waitFor();
    await console_.fill('input[name=supportReason]', 'Ticket 4711: an invitation never arrived');
    await console_.click('[data-test=request-support]');
    await console_.locator('[data-test=support-pending]').waitFor();

    // The owner, in the portal.
    const ownerContext = await browser.newContext();
    contexts.push(ownerContext);
    const owner = await ownerContext.newPage();
    await signInWithBrowser(owner, stack.portalOrigin, 'tom', `/t/${T}`);
    await expect(owner.locator('[data-test=support-requests]').textContent()).resolves.toContain('Ticket 4711');
    await owner.click('[data-test=support-approve]');
    await owner.locator('[data-test=support-banner]').waitFor();
    await screenshot(owner, 'portal', 'support-access-banner');
    const approvedAt = Date.now();

    // Used: the console shows the tenant's people under the grant, audited with both identities.
    await console_.locator('[data-test=members]').waitFor({ timeout: 10_000 });
    await console_.locator('[data-test=support-banner]').waitFor();
    await expect(console_.locator('[data-test=members]').textContent()).resolves.toContain('tom@example.test');
    await screenshot(console_, 'operator', 'tenant-with-support-access');
    const reads = await stack.api<{ items: { support: { approvedBy: string } | null }[] }>(operator, 'GET', `/audit?action=support.read&tenant=${T}`);
    const tomId = (await stack.api<{ id: string }>(await stack.token('tom', 'portal'), 'GET', '/users/me')).id;
    expect(reads.items[0]?.support?.approvedBy).toBe(tomId);

    // Expired: back to what operators always see, in both apps.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, approvedAt + 15_500 - Date.now())));
    await console_.reload();
    await console_.locator('[data-test=members-hidden]').waitFor();
    await owner.reload();
    await owner.locator('[data-test=tenant-status]').waitFor();
    expect(await owner.locator('[data-test=support-banner]').count()).toBe(0);
  }, 60_000);

  it('shows every page', async () => {
    for (const [path, name] of [
      ['/', 'dashboard'],
      ['/tenants', 'tenants'],
      ['/partners', 'partners'],
      ['/flags', 'flags'],
      ['/audit', 'audit'],
      ['/health', 'health'],
    ] as const) {
      await go(path, name);
    }
    await expect(console_.locator('[data-probe=database]').textContent()).resolves.toContain('up');
    await go('/');
    await expect(console_.locator('[data-test=tenant-counts]').textContent()).resolves.toContain('active');
    await console_.click('text=Sign out');
    await Promise.all([console_.waitForURL('**/signed-out'), console_.click('button[value=yes]')]);
    await screenshot(console_, 'operator', 'signed-out');
    await console_.goto(`${stack.operatorOrigin}/login`);
    await screenshot(console_, 'operator', 'login');
  });
});
