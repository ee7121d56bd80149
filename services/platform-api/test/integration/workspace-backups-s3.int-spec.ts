import { BACKUP_IMAGE, ensureBackupImage, startS3, testEngineSocket, type RunningS3 } from '@tessera/testing';
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { BackupRepository, WorkspaceRef } from '../../src/integrations/containers/container-runtime.port';
import { workspaceNames, TENANT_LABEL, SLUG_LABEL } from '../../src/integrations/containers/container-runtime.port';
import { DockerContainerRuntime } from '../../src/integrations/containers/docker.adapter';
import { loadConfig } from '../../src/config/app-config';

/**
 * The S3 path of workspace backups: restic's s3: backend, from the backup
 * helper's container, against a real S3-compatible server (gofakes3) started
 * here, reached at the engine network's gateway. The repository is
 * configured as production configures it (BACKUP_REPOSITORY=s3:…, the keys).
 */
describe('workspace backups to S3-compatible storage', () => {
  const socket = testEngineSocket();
  const docker = new Docker({ socketPath: socket });
  const runtime = new DockerContainerRuntime({ socketPath: socket, publishPorts: false, edgeContainer: null });
  const run = randomBytes(3).toString('hex');
  const workspace: WorkspaceRef = { tenantId: `t${run}`, slug: `s3-${run}` };
  const volume = workspaceNames(workspace.slug).volume;
  let s3: RunningS3;
  let repository: BackupRepository;

  const inVolume = async (command: string) => {
    const container = await docker.createContainer({ Image: BACKUP_IMAGE, Cmd: ['/bin/sh', '-c', command], User: '0:0', HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }], NetworkMode: 'none' } });
    try {
      await container.start();
      expect(((await container.wait()) as { StatusCode: number }).StatusCode).toBe(0);
    } finally {
      await container.remove({ force: true });
    }
  };

  beforeAll(async () => {
    await ensureBackupImage(socket);
    s3 = await startS3();
    // The helper runs on the engine's default network: the host (and the S3 server) is its gateway.
    const network = (await docker.getNetwork('podman').inspect().catch(() => docker.getNetwork('bridge').inspect())) as { IPAM?: { Config?: { Gateway?: string }[] } };
    const gateway = network.IPAM?.Config?.find((config) => config.Gateway)?.Gateway;
    if (!gateway) throw new Error("the engine's default network has no gateway address");
    const config = loadConfig({
      MONGODB_URI: 'mongodb://127.0.0.1:1/unused',
      AUTH_ISSUERS: '[{"issuer":"http://127.0.0.1:1/","jwksUrl":"http://127.0.0.1:1/jwks","audience":"portal"}]',
      AUTH_AUDIENCE_PORTAL: 'tessera-portal',
      AUTH_AUDIENCE_OPERATOR: 'tessera-operator',
      AUTH_AUDIENCE_CI: 'tessera-ci',
      IDENTITY_API_URL: 'http://127.0.0.1:1',
      IDENTITY_API_TOKEN: 'unused',
      EDGE_SESSION_SECRET: 'edge-sessions-in-tests-are-signed-with-this',
      BACKUP_PASSWORD: `s3-backups-${run}-password`,
      BACKUP_REPOSITORY: `s3:http://${gateway}:${s3.port}/tessera-backups/${run}`,
      BACKUP_S3_ACCESS_KEY_ID: s3.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      BACKUP_IMAGE,
    });
    repository = config.backups.repository!;
    await docker.createVolume({ Name: volume, Labels: { [TENANT_LABEL]: workspace.tenantId, [SLUG_LABEL]: workspace.slug } });
  }, 120_000);
  afterAll(async () => {
    await docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
    await s3?.stop();
  });

  it('backs up into the bucket, restores after the files were destroyed out of band, and the checksums match', async () => {
    expect(repository.s3).toEqual({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    await inVolume('mkdir -p /data/notes && echo "to the bucket" > /data/notes/a.txt && head -c 100000 /dev/urandom > /data/blob.bin && chown -R 65534:65534 /data');
    const before = await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100);
    const backup = await runtime.backupVolume(workspace, repository, ['test'], { keepLast: 5, keepDaily: 0 });
    expect(backup.manifest).toEqual({ checksum: before.checksum, files: 2 });
    expect(backup.retentionError).toBeNull();
    expect(backup.snapshots).toEqual([backup.snapshotId]);
    // The repository is in the bucket, under the configured prefix and the tenant's id.
    const objects = await s3.list('tessera-backups', `${run}/${workspace.tenantId}/`);
    expect(objects).toContain(`${run}/${workspace.tenantId}/config`);
    expect(objects.some((key) => key.startsWith(`${run}/${workspace.tenantId}/snapshots/${backup.snapshotId}`))).toBe(true);
    expect(objects.some((key) => key.startsWith(`${run}/${workspace.tenantId}/data/`))).toBe(true);

    await inVolume('rm -rf /data/notes /data/blob.bin && echo "not the backup" > /data/other.txt');
    const restored = await runtime.restoreVolume(workspace, repository, backup.snapshotId, backup.manifest!.checksum);
    expect(restored.manifest).toEqual({ checksum: before.checksum, files: 2 });
    expect((await runtime.volumeManifest(workspace, BACKUP_IMAGE, 100)).lines).toEqual(before.lines);
  }, 120_000);

  it('reports a bucket repository it cannot open (a wrong password) as a failed backup, never as one that succeeded', async () => {
    // gofakes3 accepts any keys, so refused credentials cannot be shown here; a password that opens nothing can.
    const wrong = { ...repository, password: 'not-the-password-of-this-repository' };
    const failure = await runtime.backupVolume(workspace, wrong, ['test']).then(() => null, (error: unknown) => error as Error);
    expect(failure?.message).toMatch(/repository could not be opened/);
  }, 120_000);
});
