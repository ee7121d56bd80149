import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { importImage, type DockerNode } from './docker-engine';
import { ensureRootfsImage } from './rootfs-image';

const run = promisify(execFile);

/**
 * The backup helper's image (BACKUP_IMAGE): Debian's busybox and Debian's
 * restic, with the libraries restic is linked against (Debian's restic 0.14
 * is a Go binary linked dynamically against glibc: `file /usr/bin/restic`),
 * never pulled. The same root filesystem as scripts/lib.sh build_backup_image
 * makes; change the tag when its contents change.
 */
export const BACKUP_IMAGE = 'localhost/tessera-backup:restic-0.14-1';

/** The libraries a binary loads, as `ldd` lists them (none for a static binary). */
async function librariesOf(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]).catch(() => ({ stdout: '' }));
  return [...stdout.matchAll(/(\/\S+)/g)].map((match) => match[1]!).filter((path) => existsSync(path));
}

/** Writes the image's root filesystem as a tarball. */
export async function backupRootfsTarball(output: string, restic = '/usr/bin/restic'): Promise<void> {
  const rootfs = mkdtempSync(join(tmpdir(), 'tessera-backup-rootfs-'));
  try {
    for (const dir of ['bin', 'etc', 'tmp', 'data', 'repo']) mkdirSync(join(rootfs, dir));
    copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    symlinkSync('busybox', join(rootfs, 'bin', 'sh'));
    copyFileSync(restic, join(rootfs, 'bin', 'restic'));
    for (const library of await librariesOf(restic)) {
      mkdirSync(join(rootfs, dirname(library)), { recursive: true });
      copyFileSync(library, join(rootfs, library));
    }
    // S3 over HTTPS needs the certificate authorities.
    const certificates = '/etc/ssl/certs/ca-certificates.crt';
    if (existsSync(certificates)) {
      mkdirSync(join(rootfs, 'etc/ssl/certs'), { recursive: true });
      copyFileSync(certificates, join(rootfs, certificates));
    }
    writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n');
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    await run('tar', ['-C', rootfs, '-cf', output, '.']);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** The image on the engine at `socket` (the test engine: Podman), imported once. */
export async function ensureBackupImage(socket: string, name = BACKUP_IMAGE): Promise<void> {
  await ensureRootfsImage(socket, name, (output) => backupRootfsTarball(output));
}

/** The image on every node of a Docker test run (a Swarm's: each node runs its own helper). */
export async function importBackupImage(nodes: readonly Pick<DockerNode, 'docker' | 'name'>[], name = BACKUP_IMAGE): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-backup-image-'));
  try {
    await backupRootfsTarball(join(dir, 'backup.tar'));
    await importImage(nodes, join(dir, 'backup.tar'), name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
