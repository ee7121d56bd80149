import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { DevIdpProcess } from './dev-idp';

/** Debian's Chromium (scripts/lib.sh installs it), or CHROMIUM_PATH. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    // The test stacks' workspaces live under tessera.test: the browser finds them on loopback, where the test's Traefik listens.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--host-resolver-rules=MAP *.tessera.test 127.0.0.1'],
  });
}

/** The two sizes every page is seen at: a laptop and a phone. */
export const DESKTOP = { width: 1440, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** A fresh browser session (its own cookies) at desktop size. */
export async function newDesktopContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: DESKTOP });
  context.on('page', track);
  return context;
}

/**
 * Requests under way, per page, except event streams (the live event stream,
 * a followed log read with fetch): they stay open for as long as the page does.
 */
const inflight = new WeakMap<Page, Set<Request>>();
function track(page: Page): Set<Request> {
  const known = inflight.get(page);
  if (known) return known;
  const open = new Set<Request>();
  page.on('request', (request) => request.resourceType() !== 'eventsource' && request.headers()['accept'] !== 'text/event-stream' && open.add(request));
  page.on('requestfinished', (request) => open.delete(request));
  page.on('requestfailed', (request) => open.delete(request));
  inflight.set(page, open);
  return open;
}

/**
 * Waits until the page has loaded and no request has been under way for
 * half a second: Playwright's "networkidle", except that the live event
 * stream, which never ends, does not count.
 */
export async function settle(page: Page, timeoutMs = 30_000): Promise<void> {
  const open = track(page);
  await page.waitForLoadState('load');
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (open.size > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= 500) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`${page.url()} still had ${open.size} request(s) under way after ${timeoutMs} ms: ${[...open].map((r) => r.url()).join(', ')}`);
}

/** Signs in through the app's login page and dev-idp's real login form; resolves once back on the app. */
export async function signInWithBrowser(page: Page, appOrigin: string, username: string, next = '/'): Promise<void> {
  await page.goto(`${appOrigin}/login?next=${encodeURIComponent(next)}`);
  await page.click('[data-test=sign-in]');
  await page.fill('#username', username);
  await page.fill('#password', DevIdpProcess.PASSWORD);
  await Promise.all([page.waitForURL((url) => url.origin === appOrigin && !url.pathname.startsWith('/auth/')), page.click('button[type=submit]')]);
  await settle(page);
}

/**
 * Collects what a page logs as an error and what it throws, for a test to
 * assert there is none. Requests a test makes on purpose to be refused show
 * as "Failed to load resource": they are left out.
 */
export function watchConsole(page: Page, origin: string, into: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && message.location().url.startsWith(origin) && !message.text().startsWith('Failed to load resource')) {
      into.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => into.push(`uncaught: ${error.message}`));
}

const SCREENSHOTS = resolve(__dirname, '../../../reports/screenshots');
const AXE = require.resolve('axe-core/axe.min.js');

/** One accessibility problem axe-core found, as a line a person can act on. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The rules that must hold on every page: no serious or critical violation (WCAG 2.x A and AA, and axe's best practices). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** How far the page scrolls sideways, in CSS pixels (0: it fits). */
async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return Math.max(0, doc.scrollWidth - doc.clientWidth);
  });
}

/**
 * Looks at a page as people do: saves a full-page screenshot at 1440×900 and
 * at 390×844 (reports/screenshots/<app>/<name>-1440.png and -390.png), runs
 * axe-core at both sizes, and checks that the phone size does not scroll
 * sideways. Throws, naming every problem, when anything fails; leaves the
 * page at desktop size.
 */
export async function inspectPage(page: Page, app: string, name: string): Promise<void> {
  const dir = join(SCREENSHOTS, app);
  mkdirSync(dir, { recursive: true });
  const problems: string[] = [];
  // Nothing hovered: the button a test just clicked would otherwise be judged (and shown) in its hover colour.
  await page.mouse.move(0, 0);
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    // Let the layout settle (the sidebar turns into a slide-over, tables re-measure) before looking.
    await settle(page);
    await page.evaluate(() => {
      const frame = (globalThis as unknown as { requestAnimationFrame: (next: () => void) => void }).requestAnimationFrame;
      return new Promise<void>((done) => frame(() => frame(done)));
    });
    // The dashboard scrolls inside its panel, not the page: show the whole panel by making the window as tall as it needs.
    const tall = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll: (s: string) => ArrayLike<{ scrollHeight: number; clientHeight: number }> } }).document;
      let extra = 0;
      for (const el of Array.from(doc.querySelectorAll('[data-slot=body]'))) extra = Math.max(extra, el.scrollHeight - el.clientHeight);
      return extra;
    });
    if (tall > 0) await page.setViewportSize({ width: size.width, height: Math.min(size.height + tall, 8000) });
    await page.screenshot({ path: join(dir, `${name}-${size.width}.png`), fullPage: true });
    if (tall > 0) await page.setViewportSize(size);
    for (const violation of await axeViolations(page)) {
      problems.push(`${size.width} px: ${violation.impact} ${violation.id}: ${violation.help} (${violation.targets.join(', ')})`);
    }
    if (size === PHONE) {
      const overflow = await sidewaysOverflow(page);
      if (overflow > 0) problems.push(`${size.width} px: the page scrolls sideways by ${overflow} px`);
    }
  }
  await page.setViewportSize(DESKTOP);
  if (problems.length) throw new Error(`${app} page "${name}" (${page.url()}):\n${problems.join('\n')}`);
}

/** Chooses an option of a Nuxt UI select, found by its label. */
export async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Confirms the open confirmation dialog, with a reason when given. */
export async function confirmDialog(page: Page, reason?: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  if (reason !== undefined) await dialog.locator('textarea[name=reason]').fill(reason);
  await dialog.locator('[data-test=confirm-yes]').click();
  await dialog.waitFor({ state: 'detached' });
}

/** Waits for a toast with this title. */
export async function toast(page: Page, title: string | RegExp): Promise<void> {
  await page.locator('[data-slot=viewport] [data-slot=title]', { hasText: title }).first().waitFor();
}
