// Tenant backups on the real parts: Podman's Docker API, the backup helper
// image (busybox + Debian's restic) and the built platform-api's Docker
// adapter, the code the API runs. One workspace data volume:
//  1. a backup of a 200 MB volume (random data, which neither deduplicates
//     nor compresses): its time and the size it takes in the repository;
//  2. a restore of it into the same volume (the current files replaced after
//     the staged copy matched the recorded file list): its time;
//  3. a second backup after changing 1 % of the data: its time and what it added.
// --smoke (or BENCH_SMOKE=1): a 4 MB volume, no targets.
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import testing from '@tessera/testing/dist/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const { DockerContainerRuntime } = require(resolve(ROOT, 'services/platform-api/dist/integrations/containers/docker.adapter.js'));
const { workspaceNames, TENANT_LABEL, SLUG_LABEL } = require(resolve(ROOT, 'services/platform-api/dist/integrations/containers/container-runtime.port.js'));

const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const MB = Number(process.env.BENCH_VOLUME_MB ?? (SMOKE ? 4 : 200));
const socket = process.env.CONTAINER_ENGINE_SOCKET ?? process.env.TESSERA_TEST_ENGINE_SOCKET;
if (!socket) throw new Error('CONTAINER_ENGINE_SOCKET is not set: run scripts/bench-backups.sh');

const docker = new Docker({ socketPath: socket });
const runtime = new DockerContainerRuntime({ socketPath: socket, publishPorts: false, edgeContainer: null });
const run = randomBytes(3).toString('hex');
const workspace = { tenantId: `bench${run}`, slug: `bench-backup-${run}` };
const repository = { location: `tessera-backups-bench-${run}`, password: `bench-${run}`, s3: null, image: testing.BACKUP_IMAGE };
const volume = workspaceNames(workspace.slug).volume;

async function inVolume(command) {
  const container = await docker.createContainer({ Image: testing.BACKUP_IMAGE, Cmd: ['/bin/sh', '-c', command], User: '0:0', HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }], NetworkMode: 'none' } });
  try {
    await container.start();
    const { StatusCode } = await container.wait();
    if (StatusCode !== 0) throw new Error(`${command} exited with ${StatusCode}`);
  } finally {
    await container.remove({ force: true });
  }
}

const seconds = (ms) => Math.round(ms / 10) / 100;
const megabytes = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;

await testing.ensureBackupImage(socket);
await docker.createVolume({ Name: volume, Labels: { [TENANT_LABEL]: workspace.tenantId, [SLUG_LABEL]: workspace.slug } });
try {
  // 1 MB files of random data, as many as the volume's size in MB.
  await inVolume(`i=0; while [ $i -lt ${MB} ]; do head -c 1048576 /dev/urandom > /data/file-$i.bin; i=$((i+1)); done`);

  let started = performance.now();
  const first = await runtime.backupVolume(workspace, repository, ['bench']);
  const firstMs = performance.now() - started;

  await inVolume('rm -f /data/file-0.bin');
  started = performance.now();
  const restored = await runtime.restoreVolume(workspace, repository, first.snapshotId, first.manifest?.checksum ?? null);
  const restoreMs = performance.now() - started;
  if (first.manifest && restored.manifest.checksum !== first.manifest.checksum) throw new Error('the restored volume differs from the backup');

  // Change 1 %: rewrite that many of the 1 MB files (at least one).
  const changed = Math.max(1, Math.round(MB / 100));
  await inVolume(`i=0; while [ $i -lt ${changed} ]; do head -c 1048576 /dev/urandom > /data/file-$i.bin; i=$((i+1)); done`);
  started = performance.now();
  const second = await runtime.backupVolume(workspace, repository, ['bench']);
  const secondMs = performance.now() - started;

  const report = {
    volumeMb: MB,
    firstBackup: { seconds: seconds(firstMs), dataMb: megabytes(first.sizeBytes), addedMb: megabytes(first.addedBytes), repositoryMb: first.repositoryBytes === null ? null : megabytes(first.repositoryBytes) },
    restore: { seconds: seconds(restoreMs), filesMatched: restored.manifest.files },
    secondBackup: { changedMb: changed, seconds: seconds(secondMs), addedMb: megabytes(second.addedBytes), repositoryMb: second.repositoryBytes === null ? null : megabytes(second.repositoryBytes) },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
  await docker.getVolume(repository.location).remove({ force: true }).catch(() => undefined);
}
