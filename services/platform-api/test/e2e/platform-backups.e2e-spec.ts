import type { AuditEvent, Page, PlatformBackupOverview, PlatformBackupRun } from '@tessera/contracts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caller, startAppWithTestIssuer, tokens } from '../support/app';

/** The operators' routes for platform database backups, over HTTP: who may call them, a backup started now, and its record in the list. */
describe('platform database backups over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-platform-backups-http-'));
  let t: Awaited<ReturnType<typeof startAppWithTestIssuer>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);

  beforeAll(async () => {
    t = await startAppWithTestIssuer('platform_backups', { PLATFORM_BACKUP_DIR: dir, PLATFORM_BACKUP_KEEP: '3' });
    const as = tokens(t.issuer);
    bearer['operator'] = await as.operator('opal', { groups: ['platform-admins'], email: 'opal@platform.test', name: 'Opal Operator' });
    bearer['not-admin'] = await as.operator('nadia', { email: 'nadia@platform.test' });
    bearer['customer'] = await as.portal('carl', { email: 'carl@customer.test' });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses everyone but operators, and starts nothing for them', async () => {
    await call('get', '/system/platform-backups').expect(401);
    await call('post', '/system/platform-backups').expect(401);
    for (const who of ['not-admin', 'customer']) {
      await call('get', '/system/platform-backups', who).expect(403);
      await call('post', '/system/platform-backups', who).expect(403);
    }
    const listed = (await call('get', '/system/platform-backups', 'operator').expect(200)).body as PlatformBackupOverview;
    expect(listed).toMatchObject({ schedule: { intervalHours: 0, nextDueAt: null, keep: 3 }, runs: [], total: 0 });
  });

  it('takes a backup when an operator asks, audited, and lists its record with size, duration and who started it', async () => {
    const started = (await call('post', '/system/platform-backups', 'operator').expect(201)).body as PlatformBackupRun;
    expect(started).toMatchObject({ trigger: 'operator', result: 'succeeded', error: null, startedBy: 'Opal Operator' });
    expect(existsSync(join(dir, `${started.name}.archive.gz`))).toBe(true);
    expect(existsSync(join(dir, `${started.name}.manifest.json`))).toBe(true);

    const listed = (await call('get', '/system/platform-backups', 'operator').expect(200)).body as PlatformBackupOverview;
    expect(listed.total).toBe(1);
    expect(listed.runs[0]).toEqual(started);
    expect(listed.runs[0]!.sizeBytes).toBeGreaterThan(0);
    expect(listed.runs[0]!.documents).toBeGreaterThan(0);
    const audit = (await call('get', '/audit?action=platform.backup', 'operator').expect(200)).body as Page<AuditEvent>;
    expect(audit.items[0]).toMatchObject({ action: 'platform.backup', target: { type: 'platform-backup', id: started.id }, changes: { result: { from: null, to: 'succeeded' } } });
    await call('get', '/system/platform-backups?pageSize=0', 'operator').expect(400);
  });
});
