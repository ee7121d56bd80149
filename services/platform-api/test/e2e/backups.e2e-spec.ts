import { BACKUP_IMAGE, ensureBackupImage, testEngineSocket } from '@tessera/testing';
import type { AuditEvent, Incident, Page, RestoreOutcome, TenantBackup } from '@tessera/contracts';
import { getConnectionToken } from '@nestjs/mongoose';
import Docker from 'dockerode';
import { Types, type Connection } from 'mongoose';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupScheduler } from '../../src/backups/backup-scheduler.service';
import { Notifier, type Notice } from '../../src/common/notifier';
import { IncidentsService } from '../../src/incidents/incidents.service';
import { DockerContainerRuntime } from '../../src/integrations/containers/docker.adapter';
import { workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';
import { removeTenantObjects } from '../support/engine';

jest.setTimeout(180_000);

const HOUR = 3_600_000;

/**
 * Workspace backups through the API on the real engine (Podman), real restic
 * and a real database: files written into a workspace are backed up through
 * the route, destroyed out of band, restored through the route and compared;
 * the schedule, retention, restores into a new tenant, a damaged repository
 * and a failing one, and the backups before terminate and a plan change.
 */
describe('tenant backups', () => {
  const run = randomBytes(3).toString('hex');
  const slug = `bk-${run}`;
  const copy = `bk-${run}-copy`;
  const defaultTenant = `default-${slug}`;
  const repositoryVolume = `tessera-backups-e2e-${run}`;
  const base = mkdtempSync(join(tmpdir(), 'tessera-backups-'));
  const socket = testEngineSocket();
  const docker = new Docker({ socketPath: socket });
  const runtime = new DockerContainerRuntime({ socketPath: socket, publishPorts: false, edgeContainer: null });
  const bearer: Record<string, string> = {};
  const notices: Notice[] = [];
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let tenantId = '';
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const list = async (who = 'owner', tenant = slug) => ((await call('get', `/tenants/${tenant}/backups?pageSize=100`, who).expect(200)).body as Page<TenantBackup>).items;
  const manifest = (tenant: string, id: string) => runtime.volumeManifest({ tenantId: id, slug: tenant }, BACKUP_IMAGE, 1_000);

  /** Runs a shell command in a throwaway container with the tenant's data volume at /data: out of band, not through Tessera. */
  const inVolume = async (command: string) => {
    const container = await docker.createContainer({ Image: BACKUP_IMAGE, Cmd: ['/bin/sh', '-c', command], User: '0:0', HostConfig: { Mounts: [{ Type: 'volume', Source: workspaceNames(slug).volume, Target: '/data' }], NetworkMode: 'none' } });
    try {
      await container.start();
      expect(((await container.wait()) as { StatusCode: number }).StatusCode).toBe(0);
    } finally {
      await container.remove({ force: true });
    }
  };

  /** Overwrites bytes in every file of the tenant's repository folder `part` (data: the packs; the config), through the engine's view of the volume. */
  const damage = async (part: 'data' | 'config') => {
    const { Mountpoint } = await docker.getVolume(repositoryVolume).inspect();
    const root = join(Mountpoint, tenantId);
    if (part === 'config') return writeFileSync(join(root, 'config'), 'not a restic repository');
    for (const folder of readdirSync(join(root, 'data'))) {
      for (const file of readdirSync(join(root, 'data', folder))) {
        const path = join(root, 'data', folder, file);
        if (statSync(path).size > 64) execFileSync('dd', ['of=' + path, 'bs=1', 'seek=40', 'conv=notrunc'], { input: 'DAMAGED!', stdio: ['pipe', 'ignore', 'ignore'] });
      }
    }
  };

  beforeAll(async () => {
    await ensureBackupImage(socket);
    t = await startAppWithDevIdp('backups', {
      CONTAINER_ENGINE_SOCKET: socket,
      TRAEFIK_DYNAMIC_DIR: join(base, 'dynamic'),
      WORKSPACE_PUBLISH_PORTS: 'true',
      SEED_DEFAULT_TENANT: defaultTenant,
      BACKUP_PASSWORD: `e2e-backups-${run}-password`,
      BACKUP_REPOSITORY: repositoryVolume,
      BACKUP_IMAGE,
      BACKUP_CHECK_SECONDS: '0',
      INCIDENTS_CHECK_SECONDS: '0',
    });
    const notifier = t.app.get(Notifier);
    const notify = notifier.notify.bind(notifier);
    jest.spyOn(notifier, 'notify').mockImplementation(async (notice: Notice) => {
      notices.push(notice);
      await notify(notice);
    });
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    await t.idp.createPerson('owen');
    bearer['owner'] = await t.idp.accessToken('owen', 'portal');
    await t.idp.createPerson('olga');
    bearer['stranger'] = await t.idp.accessToken('olga', 'portal');
    // The seeded tenant is suspended, so the schedule passes below back up only this file's tenants.
    await provisioned(t, defaultTenant, bearer['operator']!);
    await call('post', `/tenants/${defaultTenant}/suspend`, 'operator', { reason: 'not part of this test' }).expect(200);
    await call('post', '/tenants', 'owner', { slug, name: 'Backup Co' }).expect(201);
    const tenant = await provisioned(t, slug, bearer['owner']!);
    expect(tenant.status).toBe('active');
    tenantId = tenant.id;
  });
  afterAll(async () => {
    await t?.close();
    await removeTenantObjects(docker, [slug, copy, defaultTenant]).catch(() => undefined);
    await docker.getVolume(repositoryVolume).remove({ force: true }).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  });

  let first: TenantBackup;
  let written: Awaited<ReturnType<typeof manifest>>;

  it('backs up a workspace on demand and records its size, duration, snapshot and file-list checksum', async () => {
    await inVolume('mkdir -p /data/docs/deep && echo "first" > /data/docs/a.txt && head -c 200000 /dev/urandom > /data/docs/deep/blob.bin && echo hidden > /data/.dotfile && chown -R 65534:65534 /data');
    written = await manifest(slug, tenantId);
    expect(written.files).toBe(3);
    first = (await call('post', `/tenants/${slug}/backups`, 'owner', { reason: 'before an import' }).expect(201)).body as TenantBackup;
    expect(first).toMatchObject({ trigger: 'on_demand', result: 'succeeded', fileListChecksum: written.checksum, files: 3, error: null, requestedBy: { kind: 'user' } });
    expect(first.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(first.sizeBytes).toBeGreaterThan(200_000);
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect((await list()).map((backup) => backup.id)).toEqual([first.id]);
    const audit = await call('get', `/audit?action=backup.create`, 'operator').expect(200);
    expect(JSON.stringify(audit.body)).toContain(first.id);
  });

  it('refuses bad input and callers without the right with a 4xx, and changes nothing', async () => {
    await call('post', `/tenants/${slug}/backups/${first.id}/restore`, 'owner', {}).expect(400);
    await call('post', `/tenants/${slug}/backups/${first.id}/restore`, 'owner', { replaceCurrentData: 'yes' }).expect(400);
    await call('post', `/tenants/${slug}/backups/not-an-id/restore`, 'owner', { replaceCurrentData: true }).expect(404);
    await call('post', `/tenants/${slug}/backups/${'0'.repeat(24)}/restore`, 'owner', { replaceCurrentData: true }).expect(404);
    await call('post', `/tenants/${slug}/backups`, 'owner', { unknown: 1 }).expect(400);
    await call('post', `/tenants/${slug}/backups`, 'stranger').expect(403);
    await call('get', `/tenants/${slug}/backups`, 'stranger').expect(403);
    await call('post', `/tenants/${slug}/backups/${first.id}/restore-new-tenant`, 'owner', { slug: copy, name: 'Copy' }).expect(403);
    await call('post', `/tenants/${slug}/backups/${first.id}/restore-new-tenant`, 'operator', { slug: 'Not A Slug', name: 'Copy' }).expect(400);
    await call('post', `/tenants/${slug}/backups/${first.id}/restore-new-tenant`, 'operator', { slug, name: 'Taken' }).expect(409);
    await call('patch', '/system/plans/free', 'operator', { backups: { intervalHours: -1, keepLast: 0, keepDaily: 0 } }).expect(400);
    expect((await list()).map((backup) => backup.id)).toEqual([first.id]);
  });

  it('restores a volume destroyed out of band through the route, takes a backup first, and the drill proves the checksums equal', async () => {
    const container = docker.getContainer(workspaceNames(slug).container);
    await container.remove({ force: true });
    await docker.getVolume(workspaceNames(slug).volume).remove();
    const outcome = (await call('post', `/tenants/${slug}/backups/${first.id}/restore`, 'owner', { replaceCurrentData: true, reason: 'lost the volume' }).expect(200)).body as RestoreOutcome;
    expect(outcome.restore).toMatchObject({ result: 'succeeded', into: { slug }, drill: { expectedChecksum: written.checksum, actualChecksum: written.checksum, files: 3, verifiedAgainstSnapshot: true, passed: true } });
    expect(outcome.safetyBackup).toMatchObject({ trigger: 'before_restore', result: 'succeeded', files: 0 });
    const after = await manifest(slug, tenantId);
    expect(after.lines).toEqual(written.lines);
    expect((await docker.getContainer(workspaceNames(slug).container).inspect()).State.Running).toBe(true);
    const [restored] = (await list()).filter((backup) => backup.id === first.id);
    expect(restored!.restores).toHaveLength(1);
    expect(restored!.restores[0]).toMatchObject({ result: 'succeeded', safetyBackupId: outcome.safetyBackup!.id });
  });

  it('restores a backup recorded without a file list, and the drill passes on restic reading the restored files back against the snapshot', async () => {
    // As when files changed while the backup ran: no file list recorded (set out of band), nothing to compare the restored list with.
    await t.app.get<Connection>(getConnectionToken()).collection('tenant_backups').updateOne({ _id: new Types.ObjectId(first.id) }, { $set: { fileListChecksum: null, files: null } });
    await inVolume('rm -rf /data/docs && echo "not the backup" > /data/intruder.txt');
    const outcome = (await call('post', `/tenants/${slug}/backups/${first.id}/restore`, 'owner', { replaceCurrentData: true }).expect(200)).body as RestoreOutcome;
    expect(outcome.backup.fileListChecksum).toBeNull();
    expect(outcome.restore).toMatchObject({ result: 'succeeded', error: null, drill: { expectedChecksum: null, actualChecksum: written.checksum, files: 3, verifiedAgainstSnapshot: true, passed: true } });
    expect((await manifest(slug, tenantId)).lines).toEqual(written.lines);
    const [audited] = (await call('get', '/audit?action=backup.restore', 'operator').expect(200)).body.items as AuditEvent[];
    expect(audited!.changes).toMatchObject({ restoredFrom: { to: first.id }, drill: { to: true } });
  });

  it("applies the plan's retention: older snapshots are removed, marked, and can no longer be restored", async () => {
    await call('patch', '/system/plans/free', 'operator', { backups: { intervalHours: 24, keepLast: 1, keepDaily: 0 } }).expect(200);
    const latest = (await call('post', `/tenants/${slug}/backups`, 'operator').expect(201)).body as TenantBackup;
    const all = await list();
    expect(all.filter((backup) => backup.result === 'succeeded' && !backup.prunedAt).map((backup) => backup.id)).toEqual([latest.id]);
    expect(all.find((backup) => backup.id === first.id)!.prunedAt).not.toBeNull();
    const refused = await call('post', `/tenants/${slug}/backups/${first.id}/restore`, 'owner', { replaceCurrentData: true }).expect(409);
    expect(refused.body.message).toMatch(/retention/);
    await call('patch', '/system/plans/free', 'operator', { backups: { intervalHours: 24, keepLast: 10, keepDaily: 7 } }).expect(200);
  });

  it('restores a backup into a new tenant for an operator, with the drill, and leaves the source alone', async () => {
    const [latest] = (await list()).filter((backup) => backup.result === 'succeeded' && !backup.prunedAt);
    const outcome = (await call('post', `/tenants/${slug}/backups/${latest!.id}/restore-new-tenant`, 'operator', { slug: copy, name: 'Backup Co (copy)' }).expect(201)).body as RestoreOutcome;
    expect(outcome.tenant.slug).toBe(copy);
    expect(outcome.restore).toMatchObject({ result: 'succeeded', into: { slug: copy }, drill: { passed: true, files: 3 } });
    expect((await manifest(copy, outcome.tenant.id)).lines).toEqual(written.lines);
    // The source's owner owns the copy too.
    await call('get', `/tenants/${copy}`, 'owner').expect(200);
    expect((await manifest(slug, tenantId)).checksum).toBe(written.checksum);
  });

  it('backs a due tenant up once on schedule, even with two passes at once, and not again before its interval', async () => {
    const scheduler = t.app.get(BackupScheduler);
    // The copy has never been backed up: it is due. The source was backed up minutes ago: the free plan's 24 hours have not passed.
    const [a, b] = await Promise.all([scheduler.pass(), scheduler.pass()]);
    expect(a).toBe(b);
    expect(a.succeeded.filter((name) => name === copy)).toHaveLength(1);
    expect(a.succeeded).not.toContain(slug);
    expect((await scheduler.pass()).succeeded).not.toContain(copy);
    const scheduled = await list('operator', copy);
    expect(scheduled.map((backup) => [backup.trigger, backup.result])).toEqual([['schedule', 'succeeded']]);
  });

  it('backs up before a plan change that replaces the container', async () => {
    await call('patch', `/tenants/${slug}`, 'owner', { plan: 'starter' }).expect(200);
    const [newest] = await list();
    expect(newest).toMatchObject({ trigger: 'before_plan_change', result: 'succeeded' });
  });

  it("restores the last backup from before an incident from the incident's remediation, backing up the current data first", async () => {
    const incidents = t.app.get(IncidentsService);
    const [last] = await list();
    expect(last).toMatchObject({ trigger: 'before_plan_change', result: 'succeeded' });
    const opened = await incidents.open({ cause: `tenant:${tenantId}:lost-files`, kind: 'tenant', failing: true, title: 'Backup Co lost its files', detail: 'Its workspace lost its files.', probe: null, tenantId }, t.clock.now());
    await inVolume('rm -rf /data/docs && echo broken > /data/broken.txt');
    const acted = (await call('post', `/incidents/${opened!.id}/actions`, 'operator', { action: 'restore-last-backup' }).expect(200)).body as Incident;
    const entry = [...acted.timeline].reverse().find((line) => line.type === 'action');
    expect(entry).toMatchObject({ action: 'restore-last-backup', outcome: 'succeeded', text: expect.stringMatching(/^Restored the last backup from before the incident .*files match the backup/) });
    expect((await manifest(slug, tenantId)).checksum).toBe(last!.fileListChecksum);
    const [safety, ...rest] = await list();
    expect(safety).toMatchObject({ trigger: 'before_restore', result: 'succeeded', files: 2 }); // .dotfile and broken.txt
    expect(rest.find((backup) => backup.id === last!.id)!.restores.at(-1)).toMatchObject({ result: 'succeeded', safetyBackupId: safety!.id, drill: { passed: true } });
    const audit = await call('get', '/audit?action=backup.restore', 'operator').expect(200);
    expect(JSON.stringify(audit.body)).toContain(opened!.id);
    // An incident older than every backup: nothing from before it to restore, so nothing is done.
    const early = await incidents.open({ cause: `tenant:${tenantId}:early`, kind: 'tenant', failing: true, title: 'Backup Co was down', detail: 'Down.', probe: null, tenantId }, new Date(0));
    const refused = await call('post', `/incidents/${early!.id}/actions`, 'operator', { action: 'restore-last-backup' }).expect(409);
    expect(refused.body.message).toMatch(/no backup from before this incident/);
    expect((await list()).length).toBe(rest.length + 1);
  });

  it('reports a damaged repository as a clear error and restores nothing', async () => {
    const [latest] = (await list()).filter((backup) => backup.result === 'succeeded' && !backup.prunedAt);
    await inVolume('echo "written after the backups" > /data/later.txt && chown 65534:65534 /data/later.txt');
    const current = await manifest(slug, tenantId);
    await damage('data');
    const before = notices.length;
    const refused = await call('post', `/tenants/${slug}/backups/${latest!.id}/restore`, 'owner', { replaceCurrentData: true }).expect(503);
    // restic cannot read the damaged repository: the backup of the current data, taken first, fails, and the restore stops there.
    expect(refused.body.message).toMatch(/nothing was replaced/);
    expect(notices.slice(before).map((notice) => notice.kind)).toEqual(['backup.failed']);
    expect((await manifest(slug, tenantId)).checksum).toBe(current.checksum);
    const [newest] = await list();
    expect(newest).toMatchObject({ trigger: 'before_restore', result: 'failed' });
    expect((await docker.getContainer(workspaceNames(slug).container).inspect()).State.Running).toBe(true);
  });

  it('records a failed backup as failed, never as success, and tells people', async () => {
    await damage('config');
    const before = notices.length;
    const refused = await call('post', `/tenants/${slug}/backups`, 'owner').expect(503);
    expect(refused.body.message).toMatch(/The backup failed: .*recorded as failed/);
    const [newest] = await list();
    expect(newest).toMatchObject({ trigger: 'on_demand', result: 'failed', snapshotId: null, error: expect.stringMatching(/repository/) });
    const told = notices.slice(before);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ kind: 'backup.failed', tenantId, subject: 'A backup of Backup Co failed' });
  });

  it('refuses to terminate after a failed backup, and terminates when an operator forces it with a reason', async () => {
    const refused = await call('post', `/tenants/${slug}/terminate`, 'operator', { reason: 'closing' }).expect(409);
    expect(refused.body).toMatchObject({ reason: 'BACKUP_FAILED', message: expect.stringMatching(/was not terminated: .*backup/) });
    expect((await call('get', `/tenants/${slug}`, 'operator').expect(200)).body.status).toBe('active');
    await call('post', `/tenants/${slug}/terminate`, 'operator', { force: true }).expect(400);
    const forced = await call('post', `/tenants/${slug}/terminate`, 'operator', { force: true, reason: 'The repository is damaged; data was copied to bk-copy' }).expect(200);
    expect(forced.body.status).toBe('terminated');
    const backups = await list('operator');
    expect(backups.filter((backup) => backup.trigger === 'before_terminate').map((backup) => backup.result)).toEqual(['failed', 'failed']);
  });

  it('backs a tenant up again once its interval has passed (the clock moved; no request after this)', async () => {
    const scheduler = t.app.get(BackupScheduler);
    t.clock.advance(25 * HOUR);
    const [a, b] = await Promise.all([scheduler.pass(), scheduler.pass()]);
    expect(a).toBe(b);
    expect(a.succeeded.filter((name) => name === copy)).toHaveLength(1);
    // Terminated: no longer backed up on schedule.
    expect([...a.succeeded, ...a.failed]).not.toContain(slug);
  });
});
