import { randomBytes } from 'node:crypto';
import {
  BACKUP_IMAGE,
  confirmDialog,
  importBackupImage,
  startS3,
  type RunningS3,
  inspectPage,
  launchChromium,
  newDesktopContext,
  requireDockerHost,
  settle,
  signInWithBrowser,
  startPlatformStack,
  startSwarm,
  toast,
  until,
  watchConsole,
  type PlatformStack,
  type TestSwarm,
} from '@tessera/testing';
import type { Browser, Page } from 'playwright-core';

/**
 * The Nodes page of the operator console on a real 2-node Docker Swarm
 * (packages/testing starts the daemons in network namespaces; about half a
 * minute), the API on its manager with CONTAINER_RUNTIME=swarm, in Chromium
 * through dev-idp's real login: each node with its workspaces, a long tenant
 * name beside its status at phone width, and cordon and back to active
 * behind a confirmation with a reason, with progress and result, and a
 * workspace moved to the other node through the Move form (its data through
 * a real S3 server on the host).
 */
jest.setTimeout(180_000);

interface Listed {
  runtime: string;
  nodes: { id: string; availability: string; reason: string | null; workspaces: { slug: string }[] }[];
}

describe('the Nodes page on a Docker Swarm', () => {
  const T = `long-${randomBytes(3).toString('hex')}`;
  const NAME = 'Northwind Cartography and Survey Cooperative of the Upper Valley';
  let swarm: TestSwarm | undefined;
  let s3: RunningS3 | undefined;
  let stack: PlatformStack | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let operator: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await requireDockerHost();
    swarm = await startSwarm({ nodes: 2 });
    s3 = await startS3();
    await importBackupImage(swarm.nodes);
    stack = await startPlatformStack('operator_nodes', {
      engineSocket: swarm.managerSocket,
      apiEnv: {
        CONTAINER_RUNTIME: 'swarm',
        WORKSPACE_PUBLISH_PORTS: 'false',
        // A move carries the data through an S3 bucket: the host's server, at the host's address on the nodes' network.
        BACKUP_PASSWORD: `operator-moves-${T}`,
        BACKUP_REPOSITORY: `s3:http://${swarm.hostAddress}:${s3.port}/tessera-backups/${T}`,
        BACKUP_S3_ACCESS_KEY_ID: s3.accessKeyId,
        BACKUP_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        BACKUP_IMAGE,
        BACKUP_CHECK_SECONDS: '0',
      },
    });
    await stack.idp.createPerson('opal', { groups: ['platform-admins'] });
    await stack.idp.createPerson('tom');
    operator = await stack.token('opal', 'operator');
    const owner = await stack.token('tom', 'portal');
    await stack.api(owner, 'POST', '/tenants', { slug: T, name: NAME, plan: 'starter' });
    await until(`${T} has a workspace on a node`, async () => (await stack!.api<Listed>(operator, 'GET', '/nodes')).nodes.some((node) => node.workspaces.some((w) => w.slug === T)), { timeoutMs: 90_000, intervalMs: 500 });
    browser = await launchChromium();
    const context = await newDesktopContext(browser);
    page = await context.newPage();
    watchConsole(page, stack.operatorOrigin, consoleErrors);
    await signInWithBrowser(page, stack.operatorOrigin, 'opal', '/');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await swarm?.stop();
    await s3?.stop();
  }, 120_000);

  it('shows both nodes and the workspace on its node, its status beside a long name at 390 px, with cordon and drain offered', async () => {
    // The console lands on its dashboard after signing in: go to the page.
    await page.goto(`${stack!.operatorOrigin}/nodes`);
    await settle(page);
    await expect(page.locator('[data-test=runtime]').textContent()).resolves.toContain('Docker Swarm of 2 nodes');
    await expect(page.locator('[data-node]').count()).resolves.toBe(2);
    const row = page.locator(`[data-workspace="${T}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(NAME);
    await expect(page.locator('[data-test=cordon]').count()).resolves.toBe(2);
    await inspectPage(page, 'operator', 'nodes-swarm');

    await page.setViewportSize({ width: 390, height: 844 });
    await settle(page);
    const badge = await row.locator('[data-test=workspace-state]').boundingBox();
    const text = await row.locator('p').boundingBox();
    // Beside the text, level with its top: not wrapped under it.
    expect(badge!.x).toBeGreaterThan(text!.x + text!.width - 1);
    expect(badge!.y).toBeLessThan(text!.y);
    await page.setViewportSize({ width: 1440, height: 900 });
    await settle(page);
    expect(consoleErrors).toEqual([]);
  });

  it('cordons the node behind a confirmation with a reason, says so, and makes it active again', async () => {
    const listed = await stack!.api<Listed>(operator, 'GET', '/nodes');
    const home = listed.nodes.find((node) => node.workspaces.some((w) => w.slug === T))!;
    const card = page.locator(`[data-node="${home.id}"]`);

    await card.locator('[data-test=cordon]').click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('No new workspace is placed on');
    await inspectPage(page, 'operator', 'nodes-swarm-cordon-confirm');
    await confirmDialog(page, 'Kernel upgrade, back by 14:00');
    await toast(page, /is cordoned: it takes no new workspaces/);
    await until('the card to read cordoned', async () => (await card.getAttribute('data-availability')) === 'cordoned');
    await expect(card.locator('[data-test=node-notice]').textContent()).resolves.toContain('Reason: Kernel upgrade, back by 14:00');
    expect((await stack!.api<Listed>(operator, 'GET', '/nodes')).nodes.find((node) => node.id === home.id)).toMatchObject({ availability: 'cordoned', reason: 'Kernel upgrade, back by 14:00' });
    await inspectPage(page, 'operator', 'nodes-swarm-cordoned');

    await card.locator('[data-test=uncordon]').click();
    await confirmDialog(page, 'Upgrade done');
    await toast(page, /is active/);
    await until('the card to read active', async () => (await card.getAttribute('data-availability')) === 'active');
    expect((await stack!.api<Listed>(operator, 'GET', '/nodes')).nodes.find((node) => node.id === home.id)?.availability).toBe('active');
    expect(consoleErrors).toEqual([]);
  });

  it('moves the workspace to the other node from the Move form: only that node offered, what happens said first, progress, a toast with the result', async () => {
    const listed = await stack!.api<Listed>(operator, 'GET', '/nodes');
    const home = listed.nodes.find((node) => node.workspaces.some((w) => w.slug === T))!;
    const other = listed.nodes.find((node) => node.id !== home.id)!;
    await page.goto(`${stack!.operatorOrigin}/nodes`);
    await settle(page);
    await page.locator(`[data-node="${home.id}"] [data-workspace="${T}"] [data-test=move]`).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-test=move-targets]').waitFor();
    // The one other node, picked already; the form says the workspace stops and is backed up first.
    await expect(dialog.locator('[data-test=move-targets] [role=radio]').count()).resolves.toBe(1);
    await expect(dialog.locator('[data-test=move-warning]').textContent()).resolves.toMatch(/stops for the move.*stopped and backed up first/);
    await dialog.locator('textarea[name=reason]').fill('Emptying the node for new memory');
    await inspectPage(page, 'operator', 'nodes-swarm-move');
    await page.setViewportSize({ width: 1440, height: 900 });
    await dialog.locator('[data-test=move-yes]').click();
    await dialog.locator('[data-test=move-progress]').waitFor();
    // A stop, a backup, a restore and a start: as long as they take (the API answers when it is done).
    const result = page.locator('[data-slot=viewport] li').first();
    await result.waitFor({ timeout: 180_000 });
    expect(await result.textContent()).toMatch(/^Moved to .*The workspace of .* moved from .* to .* with its .* \(checked against the backup\)/);
    await dialog.waitFor({ state: 'detached' });
    await until('the workspace to be listed on the other node', async () => (await page.locator(`[data-node="${other.id}"] [data-workspace="${T}"]`).count()) === 1, { timeoutMs: 30_000 });
    expect((await stack!.api<Listed>(operator, 'GET', '/nodes')).nodes.find((node) => node.id === other.id)?.workspaces.map((w) => w.slug)).toContain(T);
    await inspectPage(page, 'operator', 'nodes-swarm-moved');

    // The tenant's page offers the same form: now back to the node it came from.
    await page.goto(`${stack!.operatorOrigin}/tenants/${T}`);
    await settle(page);
    await page.locator('[data-test=move-workspace]').click();
    await dialog.locator('[data-test=move-targets]').waitFor();
    await expect(dialog.locator('[data-test=move-targets] [role=radio]').count()).resolves.toBe(1);
    await inspectPage(page, 'operator', 'tenant-swarm-move');
    await page.setViewportSize({ width: 1440, height: 900 });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(consoleErrors).toEqual([]);
  }, 300_000);
});
