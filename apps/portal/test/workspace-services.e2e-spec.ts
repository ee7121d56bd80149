import { randomBytes } from 'node:crypto';
import {
  ensureServicesWorkspaceImage,
  inspectPage,
  launchChromium,
  newDesktopContext,
  removeEngineObjects,
  SERVICES_WORKSPACE_COMMAND,
  SERVICES_WORKSPACE_IMAGE,
  SERVICES_WORKSPACE_SERVICES,
  signInWithBrowser,
  startPlatformStack,
  testEngineSocket,
  watchConsole,
  type PlatformStack,
} from '@tessera/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * A workspace with two services in the browser: the portal lists them with a
 * Launch for each, the second one opens through the real edge (Traefik,
 * forwardAuth, the edge sign-in) on its own host, and the console lists them
 * without Launch links. Business workspaces run `app` and `docs` here, from
 * the two-service test image (ensureServicesWorkspaceImage, built from
 * Debian's busybox).
 */
describe('a workspace with several services', () => {
  const T = `duo-${randomBytes(3).toString('hex')}`;
  let stack: PlatformStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let consoleErrors: string[] = [];

  async function as(username: string, origin: string, next: string): Promise<Page> {
    const context = await newDesktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, origin, consoleErrors);
    await signInWithBrowser(page, origin, username, next);
    return page;
  }
  /** A service's address through the stack's edge: `<service>--<slug>` for any but the default. */
  const serviceUrl = (service?: string) => stack.workspaceUrl(`${service ? `${service}--` : ''}${T}`);

  beforeAll(async () => {
    await ensureServicesWorkspaceImage(testEngineSocket());
    stack = await startPlatformStack('portal_services', {
      engineSocket: testEngineSocket(),
      edge: true,
      apiEnv: { WORKSPACE_IMAGE: SERVICES_WORKSPACE_IMAGE, WORKSPACE_COMMAND: SERVICES_WORKSPACE_COMMAND, WORKSPACE_SERVICES_BUSINESS: SERVICES_WORKSPACE_SERVICES },
    });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    await stack.idp.createPerson('carol', { name: 'Carol Customer' });
    await stack.api(await stack.token('carol', 'portal'), 'POST', '/tenants', { slug: T, name: 'Duo', plan: 'business' });
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
    await removeEngineObjects(testEngineSocket(), [T]);
  });

  it('lists every service with a Launch of its own, and opens the second one through the edge on its own host', async () => {
    const page = await as('carol', stack.portalOrigin, `/t/${T}`);
    await page.locator('[data-test=workspace-state][data-status=running]').waitFor({ timeout: 60_000 });
    const list = page.locator('[data-test=workspace-services]');
    await expect(list.locator('[data-service]').evaluateAll((items) => items.map((item) => item.getAttribute('data-service')))).resolves.toEqual(['app', 'docs']);
    await expect(list.locator('[data-test=launch-service]').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).resolves.toEqual([serviceUrl(), serviceUrl('docs')]);
    // The page's own Launch is the default service.
    expect(await page.locator('[data-test=launch]').getAttribute('href')).toBe(serviceUrl());
    await inspectPage(page, 'portal', 'workspace-services');

    // Docs opens in a tab: Traefik asks the API, the API sends it through the portal's edge sign-in, and back to docs with a session.
    const [docs] = await Promise.all([page.context().waitForEvent('page'), list.locator('[data-service=docs] [data-test=launch-service]').click()]);
    await docs.getByRole('heading', { name: `Docs for carol@example.test` }).waitFor({ timeout: 30_000 });
    expect(docs.url()).toBe(serviceUrl('docs'));
  });

  it('lists the services in the console without Launch links', async () => {
    const page = await as('opal', stack.operatorOrigin, '/');
    await page.goto(`${stack.operatorOrigin}/tenants/${T}`);
    const list = page.locator('[data-test=workspace-services]');
    await list.waitFor({ timeout: 60_000 });
    await expect(list.locator('[data-service]').evaluateAll((items) => items.map((item) => (item as HTMLElement).innerText.replace(/\s+/g, ' ').trim()))).resolves.toEqual([
      'app Main Port 8080',
      'docs Port 8081',
    ]);
    expect(await list.locator('[data-test=launch-service]').count()).toBe(0);
  });
});
