import { randomBytes } from 'node:crypto';
import { choose, confirmDialog, engineCall, until, inspectPage, settle, launchChromium, newDesktopContext, removeEngineObjects, signInWithBrowser, startPlatformStack, testEngineSocket, toast, watchConsole, type PlatformStack } from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The operator console in Chromium, through dev-idp's real login, against the
 * real API, database and container engine. Opal is a platform admin; Nadia
 * signs in to the operator application too, but is not one. Every page is
 * looked at (inspectPage): a screenshot at 1440 and 390 px, axe-core with no
 * serious or critical violation, and no sideways scroll on a phone.
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
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, stack.operatorOrigin, consoleErrors);
    await signInWithBrowser(page, stack.operatorOrigin, username, next);
    return page;
  }
  const fromPage = (page: Page, path: string) => page.evaluate(async (p) => (await fetch(p)).status, path);
  const go = async (path: string, shot?: string) => {
    await console_.goto(`${stack.operatorOrigin}${path}`);
    await settle(console_);
    if (shot) await inspectPage(console_, 'operator', shot);
  };

  beforeAll(async () => {
    stack = await startPlatformStack('operator_console', { engineSocket: testEngineSocket() });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    await stack.idp.createPerson('nadia');
    await stack.idp.createPerson('tom');
    operator = await stack.token('opal', 'operator');
    const owner = await stack.token('tom', 'portal');
    await stack.api(owner, 'POST', '/tenants', { slug: T, name: 'Operated', plan: 'starter' });
    // A custom domain the owner added and has not proven yet: the console shows it waiting, with its record.
    await stack.api(owner, 'POST', `/tenants/${T}/domains`, { name: `shop-${T}.example` });
    await stack.api(operator, 'POST', '/partners', { slug: P, name: 'Console Partner', marginPct: 15 });
    browser = await launchChromium();
    console_ = await as('opal');
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
    if (stack?.engineSocket) await removeEngineObjects(stack.engineSocket, [T, W]);
  });

  it('refuses a non-admin with an operator-audience token, in the console and at the API', async () => {
    const page = await as('nadia');
    expect(new URL(page.url()).pathname).toBe('/not-allowed');
    await inspectPage(page, 'operator', 'not-allowed');
    expect(await fromPage(page, '/api/tenants')).toBe(200); // her own tenants: none
    expect(await fromPage(page, '/api/system/overview')).toBe(403);
    expect(await fromPage(page, '/api/partners')).toBe(403);
    expect(await fromPage(page, `/api/tenants/${T}`)).toBe(403);
    const token = await stack.token('nadia', 'operator');
    await stack.api(token, 'GET', '/audit', undefined, [403]);
  });

  it('reconciles a tenant whose container was removed out of band, and shows it heal', async () => {
    await until(`${T} is active`, async () => (await stack.api<{ status: string }>(operator, 'GET', `/tenants/${T}`)).status === 'active');
    const container = `tessera-${T}-app`;
    expect((await engineCall(stack.engineSocket!, 'DELETE', `/containers/${container}?force=true`)).status).toBe(204);
    await go(`/tenants/${T}`);
    await console_.click('[data-test=reconcile]');
    await console_.locator('[data-test=reconciled]').waitFor();
    await toast(console_, 'Reconciled');
    const workspace = console_.getByRole('row').filter({ has: console_.locator('[data-step=workspace]') });
    await expect(workspace.locator('[data-test=reconcile-result]').textContent()).resolves.toContain('container missing');
    await expect(workspace.locator('[data-status]').first().getAttribute('data-status')).resolves.toBe('ok');
    expect((await engineCall(stack.engineSocket!, 'GET', `/containers/${container}/json`)).status).toBe(200);
    await console_.locator('[data-test=drift] li').first().waitFor();
    const domain = console_.locator(`[data-test=custom-domains] [data-domain="shop-${T}.example"]`);
    await domain.getByText('Waiting for its DNS record').waitFor();
    await expect(domain.textContent()).resolves.toContain(`_tessera-challenge.shop-${T}.example`);
    await inspectPage(console_, 'operator', 'tenant-detail');
  });

  it('repairs, behind a confirmation with a reason, a workspace whose container another tenant holds', async () => {
    const container = `tessera-${T}-app`;
    const ours = (await engineCall(stack.engineSocket!, 'GET', `/containers/${container}/json`)).body as { Config: { Image: string; Cmd: string[]; User: string; Labels: Record<string, string> } };
    const tenantId = ours.Config.Labels['io.tessera.tenant-id'];
    expect((await engineCall(stack.engineSocket!, 'DELETE', `/containers/${container}?force=true`)).status).toBe(204);
    const foreign = { Image: ours.Config.Image, Cmd: ours.Config.Cmd, User: ours.Config.User, Labels: { 'io.tessera.tenant-id': 'another-tenant', 'io.tessera.tenant-slug': T } };
    expect((await engineCall(stack.engineSocket!, 'POST', `/containers/create?name=${container}`, foreign)).status).toBe(201);
    await stack.api(operator, 'POST', `/tenants/${T}/reconcile`);

    await go(`/tenants/${T}`);
    const held = console_.locator('[data-test=workspace-held]');
    await expect(held.textContent()).resolves.toContain('Someone else holds this workspace’s names');
    await expect(console_.locator('[data-test=provisioning]').textContent()).resolves.toContain('belongs to another tenant');
    await inspectPage(console_, 'operator', 'tenant-workspace-held');
    await held.getByRole('button', { name: 'Repair workspace…' }).click();
    await expect(console_.getByRole('dialog').textContent()).resolves.toContain('never touched');
    await confirmDialog(console_, 'Left behind by a test run');
    await toast(console_, 'The workspace is repaired');
    await held.waitFor({ state: 'detached' });
    const repaired = (await engineCall(stack.engineSocket!, 'GET', `/containers/${container}/json`)).body as { Config: { Labels: Record<string, string> } };
    expect(repaired.Config.Labels['io.tessera.tenant-id']).toBe(tenantId);
    await expect(console_.locator('[data-test=audit]').textContent()).resolves.toContain('Left behind by a test run');
  });

  it('suspends and resumes a tenant behind a confirmation, with the reason in its audit trail', async () => {
    await go(`/tenants/${T}`);
    await console_.getByRole('button', { name: 'Suspend…' }).click();
    const dialog = console_.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain('Data is kept');
    // A suspension needs a reason: the button waits for one.
    expect(await dialog.locator('[data-test=confirm-yes]').isDisabled()).toBe(true);
    await inspectPage(console_, 'operator', 'tenant-suspend-confirm');
    await confirmDialog(console_, 'Chargeback');
    await toast(console_, 'Operated is suspended');
    await console_.locator('[data-test=tenant-status][data-status=suspended]').waitFor();
    await expect(console_.locator('[data-test=audit]').textContent()).resolves.toContain('Chargeback');
    await console_.getByRole('button', { name: 'Resume…' }).click();
    await confirmDialog(console_);
    await console_.locator('[data-test=tenant-status][data-status=active]').waitFor();
  });

  it('approves a sign-up from the queue', async () => {
    await go('/approvals');
    await console_.click('[data-test=toggle-approval]');
    await console_.locator('[data-test=approval-setting]', { hasText: 'wait for approval' }).waitFor();
    const owner = await stack.token('tom', 'portal');
    await stack.api(owner, 'POST', '/tenants', { slug: W, name: 'Waiting' });
    await go('/approvals', 'approvals');
    const row = console_.getByRole('row').filter({ has: console_.locator(`[data-tenant="${W}"]`) });
    await row.getByRole('button', { name: `Approve ${W}` }).click();
    await confirmDialog(console_, 'Known customer');
    await row.waitFor({ state: 'detached' });
    expect((await stack.api<{ approval: string }>(operator, 'GET', `/tenants/${W}`)).approval).toBe('approved');
    // Turning approval off asks first.
    await console_.click('[data-test=toggle-approval]');
    await confirmDialog(console_);
    await console_.locator('[data-test=approval-setting]', { hasText: 'provisioned at once' }).waitFor();
  });

  it('edits a flag’s rules, previews a tenant’s truth map before saving, and flips the kill switch', async () => {
    await go('/flags');
    await console_.getByLabel('Key').fill('console-flag');
    await console_.getByLabel('What it switches').fill('Set from the console');
    await console_.getByLabel('Owner').fill('operators');
    await Promise.all([console_.waitForURL('**/flags/console-flag'), console_.getByRole('button', { name: 'Create flag' }).click()]);
    await console_.getByRole('button', { name: 'Add rule' }).click();
    await choose(console_, 'Rule 1 type', 'Chosen tenants');
    await console_.fill('[aria-label="Rule 1 tenants"]', T);
    await console_.fill('input[name=previewTenant]', T);
    await console_.getByRole('button', { name: 'Preview truth map' }).click();
    await expect(console_.locator('[data-test=preview-value]').getAttribute('data-value')).resolves.toBe('true');
    // Previewed, not saved.
    expect((await stack.api<{ rules: unknown[] }>(operator, 'GET', '/flags/console-flag')).rules).toEqual([]);
    await inspectPage(console_, 'operator', 'flag');
    await console_.getByRole('button', { name: 'Save', exact: true }).click();
    await toast(console_, 'Flag saved');
    const saved = await stack.api<{ rules: { tenantIds: string[] }[] }>(operator, 'GET', '/flags/console-flag');
    const tenant = await stack.api<{ id: string }>(operator, 'GET', `/tenants/${T}`);
    expect(saved.rules[0]!.tenantIds).toEqual([tenant.id]);
    await console_.click('[data-test=toggle-kill-switch]');
    await expect(console_.getByRole('dialog').textContent()).resolves.toContain('Every tenant gets false');
    await confirmDialog(console_);
    await console_.locator('[data-test=kill-switch][data-status=off]').waitFor();
    expect((await stack.api<{ enabled: boolean }>(operator, 'GET', '/flags/console-flag')).enabled).toBe(false);
  });

  it('attaches a tenant to a partner and changes its plan', async () => {
    await go(`/tenants/${T}`);
    await choose(console_, 'Partner', 'Console Partner');
    await console_.getByRole('button', { name: 'Attach' }).click();
    await console_.getByRole('button', { name: `Detach from ${P}` }).waitFor();
    await choose(console_, 'Plan', 'Business');
    await console_.getByRole('button', { name: 'Change plan' }).click();
    await confirmDialog(console_);
    await console_.locator('[data-test=plan]', { hasText: 'Business' }).waitFor();
    const tenant = await stack.api<{ plan: string; partnerId: string }>(operator, 'GET', `/tenants/${T}`);
    expect(tenant.plan).toBe('business');
    await go(`/partners/${P}`, 'partner');
    await expect(console_.locator('[data-test=customers]').textContent()).resolves.toContain(T);
  });

  it('invites a new partner’s first admin, who is then on its team', async () => {
    await go(`/partners/${P}`);
    await console_.getByText('Nobody can sign in for this partner yet').waitFor();
    const form = console_.locator('[data-test=partner-invite]');
    await form.getByLabel('Email').fill(`first-admin-${sfx}@example.test`);
    await form.getByLabel('Name').fill('First Admin');
    await form.getByRole('button', { name: 'Add to the team' }).click();
    await toast(console_, /is on Console Partner’s team/);
    await console_.locator('[data-test=partner-team]').getByText('First Admin').waitFor();
    await inspectPage(console_, 'operator', 'partner-team');
    const team = await stack.api<{ email: string; role: string }[]>(operator, 'GET', `/partners/${P}/team`);
    expect(team).toEqual([expect.objectContaining({ email: `first-admin-${sfx}@example.test`, role: 'admin' })]);
  });

  it('requests support access, has it approved by the owner in the portal, uses it, and loses it when the owner ends it', async () => {
    await go(`/tenants/${T}`);
    await console_.locator('[data-test=members-hidden]').waitFor();
    await console_.fill('input[name=supportReason]', 'Ticket 4711: an invitation never arrived');
    await console_.click('[data-test=request-support]');
    await console_.locator('[data-test=support-pending]').waitFor();

    // The owner, in the portal.
    const ownerContext = await newDesktopContext(browser);
    contexts.push(ownerContext);
    const owner = await ownerContext.newPage();
    await signInWithBrowser(owner, stack.portalOrigin, 'tom', `/t/${T}`);
    await expect(owner.locator('[data-test=support-requests]').textContent()).resolves.toContain('Ticket 4711');
    await owner.click('[data-test=support-approve]');
    await expect(owner.getByRole('dialog').textContent()).resolves.toContain('Everything they do is recorded');
    await confirmDialog(owner);
    await owner.locator('[data-test=support-banner]').waitFor();
    await inspectPage(owner, 'portal', 'support-access-banner');

    // Used: the console shows the tenant's people under the grant, audited with both identities.
    await console_.locator('[data-test=members]').waitFor({ timeout: 10_000 });
    await console_.locator('[data-test=support-banner]').waitFor();
    await expect(console_.locator('[data-test=members]').textContent()).resolves.toContain('tom@example.test');
    await inspectPage(console_, 'operator', 'tenant-with-support-access');
    const reads = await stack.api<{ items: { support: { approvedBy: string } | null }[] }>(operator, 'GET', `/audit?action=support.read&tenant=${T}`);
    const tomId = (await stack.api<{ id: string }>(await stack.token('tom', 'portal'), 'GET', '/users/me')).id;
    expect(reads.items[0]?.support?.approvedBy).toBe(tomId);

    // Ended by the owner (its expiry is proven on the API's clock: support.e2e-spec.ts): back to what operators always see, in both apps.
    await owner.click('[data-test=support-revoke]');
    await confirmDialog(owner);
    await owner.locator('[data-test=support-banner]').waitFor({ state: 'detached' });
    await console_.reload();
    await console_.locator('[data-test=members-hidden]').waitFor();
    await owner.reload();
    await owner.locator('[data-test=tenant-status]').waitFor();
    expect(await owner.locator('[data-test=support-banner]').count()).toBe(0);
  });

  it('shows the one engine as a node with its capacity and workspaces, and offers no cordon or drain, which the API refuses', async () => {
    await until(`${T} is active`, async () => (await stack.api<{ status: string }>(operator, 'GET', `/tenants/${T}`)).status === 'active');
    await go('/nodes', 'nodes');
    await expect(console_.locator('[data-test=runtime]').textContent()).resolves.toContain('one container engine');
    const nodes = console_.locator('[data-node]');
    await expect(nodes.count()).resolves.toBe(1);
    await expect(nodes.locator('[data-test=memory]').textContent()).resolves.toMatch(/MB promised of \d+(\.\d)? GB/);
    await nodes.locator(`[data-workspace="${T}"]`).waitFor();
    await expect(nodes.locator('[data-test=cordon], [data-test=drain]').count()).resolves.toBe(0);
    const listed = await stack.api<{ runtime: string; nodes: { id: string; workspaces: { slug: string; tenantName: string | null }[] }[] }>(operator, 'GET', '/nodes');
    expect(listed.runtime).toBe('engine');
    expect(listed.nodes[0]!.workspaces.find((workspace) => workspace.slug === T)?.tenantName).toBe('Operated');
    const refused = await stack.api<{ message: string }>(operator, 'POST', `/nodes/${listed.nodes[0]!.id}/cordon`, { reason: 'Maintenance' }, [409]);
    expect(refused.message).toContain('one container engine');
  });

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
    const database = console_.getByRole('row').filter({ has: console_.locator('[data-probe=database]') });
    await expect(database.locator('[data-status]').first().getAttribute('data-status')).resolves.toBe('up');
    await go(`/partners/${P}`, 'partner');
    await go('/no-such-page');
    await console_.locator('[data-test=not-found]').waitFor();
    await expect(console_.title()).resolves.toBe('Page not found · Tessera operators');
    await inspectPage(console_, 'operator', 'not-found');
    await go('/');
    await expect(console_.title()).resolves.toBe('Dashboard · Tessera operators');
    await expect(console_.locator('[data-test=tenant-counts]').textContent()).resolves.toContain('Active');
    await console_.locator('[data-test=user-menu]').click();
    await console_.getByRole('menuitem', { name: 'Sign out' }).click();
    await Promise.all([console_.waitForURL('**/signed-out'), console_.click('button[value=yes]')]);
    await inspectPage(console_, 'operator', 'signed-out');
    await console_.goto(`${stack.operatorOrigin}/login`);
    await inspectPage(console_, 'operator', 'login');
  });
});
