import { BACKUP_IMAGE, ensureBackupImage, testEngineSocket } from '@tessera/testing';
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupRepository, WorkspaceRef } from '../../src/integrations/containers/container-runtime.port';
import { workspaceNames, TENANT_LABEL, SLUG_LABEL } from '../../src/integrations/containers/container-runtime.port';
import { DockerContainerRuntime } from '../../src/integrations/containers/docker.adapter';
import { isIntegrationError } from '../../src/integrations/integration-error';

/**
 * The backup helper on the real engine (Podman) with real restic: files
 * written into a workspace's data volume are backed up, destroyed out of
 * band, restored (restic verifying the restored files against the snapshot),
 * and compared; a damaged repository is refused.
 */
describe('workspace backups on the real engine', () => {
  const socket = testEngineSocket();
  const docker = new Docker({ socketPath: socket });
  const runtime = new DockerContainerRuntime({ socketPath: socket, publishPorts: false, edgeContainer: null });
  const run = randomBytes(3).toString('hex');
  const workspace: WorkspaceRef = { tenantId: `t${run}`, slug: `backup-${run}` };
  const repository: BackupRepository = { location: `tessera-backups-test-${run}`, password: `test-${run}`, s3: null, image: BACKUP_IMAGE };
  const volume = workspaceNames(workspace.slug).volume;

  /** Runs a shell command in a throwaway container with the data volume at /data (out of band: not through the port). */
  const inVolume = async (command: string) => {
    const container = await docker.createContainer({ Image: BACKUP_IMAGE, Cmd: ['/bin/sh', '-c', command], User: '0:0', HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }], NetworkMode: 'none' } });
    try {
      await container.start();
      const result = (await container.wait()) as { StatusCode: number };
      expect(result.StatusCode).toBe(0);
    } finally {
      await container.remove({ force: true });
    }
  };

  beforeAll(async () => {
    await ensureBackupImage(socket);
    await docker.createVolume({ Name: volume, Labels: { [TENANT_LABEL]: workspace.tenantId, [SLUG_LABEL]: workspace.slug } });
  }, 120_000);
  afterAll(async () => {
    await docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
    await docker.getVolume(repository.location).remove({ force: true }).catch(() => undefined);
  });

  it('backs up a volume, restores it after its files were destroyed out of band, and the checksums match', async () => {
    await inVolume('mkdir -p /data/docs/deep && echo "first" > /data/docs/a.txt && head -c 300000 /dev/urandom > /data/docs/deep/blob.bin && echo hidden > /data/.dotfile && chown -R 65534:65534 /data');
    const before = await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100);
    expect(before.files).toBe(3);
    const backup = await runtime.backupVolume(workspace, repository, ['test']);
    expect(backup.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(backup.manifest).toEqual({ checksum: before.checksum, files: 3 });
    expect(backup.sizeBytes).toBeGreaterThan(300_000);
    expect(backup.addedBytes).toBeGreaterThan(0);

    await inVolume('rm -rf /data/docs && echo "not the backup" > /data/intruder.txt');
    expect((await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100)).checksum).not.toBe(before.checksum);

    const restored = await runtime.restoreVolume(workspace, repository, backup.snapshotId, backup.manifest!.checksum);
    expect(restored).toEqual({ manifest: { checksum: before.checksum, files: 3 }, verifiedFiles: 3 });
    const after = await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100);
    expect(after.lines).toEqual(before.lines);
    expect(after.lines.some((line) => line.endsWith('./intruder.txt'))).toBe(false);
  }, 120_000);

  it('restores a snapshot with no recorded file list, and restic reads every restored file back against the snapshot', async () => {
    // As for a backup taken while files changed: nothing recorded to compare with, so restic's verification is the proof.
    await inVolume('mkdir -p /data/notes && head -c 200000 /dev/urandom > /data/notes/big.bin && echo two > /data/notes/b.txt && chown -R 65534:65534 /data');
    const before = await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100);
    const backup = await runtime.backupVolume(workspace, repository, ['test']);
    await inVolume('rm -rf /data/notes && echo "not the backup" > /data/intruder.txt');

    const restored = await runtime.restoreVolume(workspace, repository, backup.snapshotId, null);
    expect(restored).toEqual({ manifest: { checksum: before.checksum, files: before.files }, verifiedFiles: before.files });
    expect((await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100)).lines).toEqual(before.lines);
  }, 120_000);

  it('keeps only the last snapshots when retention is applied', async () => {
    await runtime.backupVolume(workspace, repository, ['test']);
    await inVolume('echo more > /data/more.txt');
    const last = await runtime.backupVolume(workspace, repository, ['test']);
    expect(last.snapshots.length).toBeGreaterThanOrEqual(3);
    const kept = await runtime.forgetSnapshots(workspace, repository, 1);
    expect(kept).toEqual([last.snapshotId]);
  }, 120_000);

  it('refuses to restore from a damaged repository and leaves the current files as they were', async () => {
    const backup = await runtime.backupVolume(workspace, repository, ['test']);
    const current = await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100);
    // Damage every pack file of the tenant's repository, out of band, through the engine's view of the volume.
    const { Mountpoint } = await docker.getVolume(repository.location).inspect();
    const packs = join(Mountpoint, workspace.tenantId, 'data');
    for (const folder of readdirSync(packs)) {
      for (const file of readdirSync(join(packs, folder))) {
        const path = join(packs, folder, file);
        if (statSync(path).size > 64) execFileSync('dd', ['of=' + path, 'bs=1', 'seek=40', 'conv=notrunc'], { input: 'DAMAGED!', stdio: ['pipe', 'ignore', 'ignore'] });
      }
    }
    const failure = await runtime.restoreVolume(workspace, repository, backup.snapshotId, backup.manifest?.checksum ?? null).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isIntegrationError(failure, 'backups')).toBe(true);
    expect(String((failure as Error).message)).toMatch(/nothing was replaced/);
    expect((await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100)).checksum).toBe(current.checksum);
    // Without a recorded file list to compare with, too: restic refuses, and nothing is replaced.
    const unrecorded = await runtime.restoreVolume(workspace, repository, backup.snapshotId, null).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isIntegrationError(unrecorded, 'backups')).toBe(true);
    expect(String((unrecorded as Error).message)).toMatch(/nothing was replaced.*the repository is damaged/);
    expect((await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100)).checksum).toBe(current.checksum);
  }, 120_000);
});
