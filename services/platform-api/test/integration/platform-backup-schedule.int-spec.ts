import { getConnectionToken } from '@nestjs/mongoose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { Notifier, type Notice } from '../../src/common/notifier';
import { AppConfig } from '../../src/config/app-config';
import { PlatformBackupModule } from '../../src/platform-backup/platform-backup.module';
import { PlatformDatabaseRepository } from '../../src/platform-backup/platform-backup.repository';
import { PlatformBackupRunsRepository } from '../../src/platform-backup/platform-backup-runs.repository';
import { PlatformBackupSchedule } from '../../src/platform-backup/platform-backup-schedule.service';
import { PlatformBackupService } from '../../src/platform-backup/platform-backup.service';
import { LeaseRepository } from '../../src/provisioning/lease.repository';
import { UsersRepository } from '../../src/users/users.repository';
import { TestClock } from '../support/clock';
import { openDataModule, type DataModule } from '../support/data-module';

class RecordingNotifier extends Notifier {
  readonly notices: Notice[] = [];
  notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
    return Promise.resolve();
  }
}

const HOUR = 3_600_000;

/** The API's backup schedule on the real database (FerretDB or MONGODB_URI), with two "processes" (schedules with their own lease holders). */
describe('the platform backup schedule', () => {
  let data: DataModule;
  const clock = new TestClock();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-platform-backups-'));
  const notifier = new RecordingNotifier();

  /** A schedule as one API process has it: its own lease holder, the shared database. */
  const schedule = (backupDir: string) => {
    const connection = data.module.get<Connection>(getConnectionToken());
    const base = data.module.get(AppConfig);
    const config = new AppConfig({ ...base, platformBackup: { dir: backupDir, keep: 5, intervalMs: 24 * HOUR } });
    const service = new PlatformBackupService(new PlatformDatabaseRepository(connection.db!), config.platformBackup, () => clock.now());
    return new PlatformBackupSchedule(service, data.module.get(PlatformBackupRunsRepository), data.module.get(UsersRepository), new LeaseRepository(connection, clock), notifier, config, clock);
  };

  beforeAll(async () => {
    data = await openDataModule('platform_backup_schedule', [PlatformBackupModule]);
  });
  afterAll(async () => {
    await data.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes one backup when two processes run their pass at the same moment, records its size and duration, and the next only a whole interval later', async () => {
    const [a, b] = [schedule(dir), schedule(dir)];
    const reports = await Promise.all([a.pass(), b.pass()]);
    const ran = reports.filter((report) => report.run !== null);
    expect(ran).toHaveLength(1);
    expect(reports.find((report) => report.run === null)?.skipped).toMatch(/another backup is running|not due yet/);
    const run = ran[0]!.run!;
    expect(run).toMatchObject({ trigger: 'schedule', result: 'succeeded', error: null, name: expect.stringMatching(/^platform-/) });
    expect(run.sizeBytes).toBeGreaterThan(0);
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    expect((await data.module.get(PlatformBackupRunsRepository).list(0, 10)).total).toBe(1);

    clock.advance(23 * HOUR);
    expect((await a.pass()).skipped).toBe('not due yet');
    clock.advance(HOUR);
    const [c, d] = await Promise.all([a.pass(), b.pass()]);
    expect([c, d].filter((report) => report.run !== null)).toHaveLength(1);
    expect((await data.module.get(PlatformBackupRunsRepository).list(0, 10)).total).toBe(2);
    expect(notifier.notices).toEqual([]);
  });

  it('records a failed backup as failed, with the reason, and tells operators through the Notifier', async () => {
    clock.advance(25 * HOUR);
    const notADirectory = join(dir, 'a-file');
    writeFileSync(notADirectory, 'not a directory');
    const report = await schedule(notADirectory).pass();
    expect(report.run).toMatchObject({ result: 'failed', name: null, sizeBytes: null, error: expect.stringMatching(/EEXIST|ENOTDIR/) });
    expect(notifier.notices).toEqual([expect.objectContaining({ kind: 'backup.failed', key: `backup.failed:platform:${report.run!.id}`, subject: 'The platform database backup failed' })]);
  });
});
