import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DevIdpProcess } from './dev-idp';

/** Debian's Chromium (scripts/lib.sh installs it), or CHROMIUM_PATH. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Signs in through the app's login page and dev-idp's real login form; resolves once back on the app. */
export async function signInWithBrowser(page: Page, appOrigin: string, username: string, next = '/'): Promise<void> {
  await page.goto(`${appOrigin}/login?next=${encodeURIComponent(next)}`);
  await page.click('[data-test=sign-in]');
  await page.fill('#username', username);
  await page.fill('#password', DevIdpProcess.PASSWORD);
  await Promise.all([page.waitForURL((url) => url.origin === appOrigin && !url.pathname.startsWith('/auth/')), page.click('button[type=submit]')]);
  await page.waitForLoadState('networkidle');
}

const SCREENSHOTS = resolve(__dirname, '../../../reports/screenshots');

/** Saves a full-page screenshot as a test artifact: reports/screenshots/<app>/<name>.png. */
export async function screenshot(page: Page, app: string, name: string): Promise<void> {
  const dir = join(SCREENSHOTS, app);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
