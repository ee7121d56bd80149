import { execFile } from 'node:child_process';
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureRootfsImage } from './rootfs-image';

const run = promisify(execFile);
const SCRIPTS = resolve(__dirname, '../images/workspace-services');

/**
 * A workspace image with two services, for the tests of several services per
 * workspace: `app` (busybox httpd on 8080, the page of the usual workspace
 * image) and `docs` on 8081 (a shell per connection under `busybox nc -ll`,
 * which answers a page or accepts a WebSocket and greets it). Built here from
 * Debian's static busybox and the scripts in images/workspace-services, never
 * pulled. Change the tag when the scripts change: an image already there is
 * kept.
 */
export const SERVICES_WORKSPACE_IMAGE = 'localhost/tessera-workspace-services:test-1';
/** Its command (WORKSPACE_COMMAND) and services (WORKSPACE_SERVICES…). */
export const SERVICES_WORKSPACE_COMMAND = '/bin/start';
export const SERVICES_WORKSPACE_SERVICES = 'app:8080,docs:8081';

/** Writes the image's root filesystem as a tarball. */
export async function servicesWorkspaceRootfsTarball(output: string): Promise<void> {
  const rootfs = mkdtempSync(join(tmpdir(), 'tessera-services-rootfs-'));
  try {
    for (const dir of ['bin', 'srv', 'etc', 'tmp', 'data']) mkdirSync(join(rootfs, dir));
    copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    symlinkSync('busybox', join(rootfs, 'bin', 'sh'));
    for (const script of ['start', 'docs-service']) copyFileSync(join(SCRIPTS, script), join(rootfs, 'bin', script));
    // The data volume is copied up from /data: the workspace user must own it.
    chownSync(join(rootfs, 'data'), 65_534, 65_534);
    writeFileSync(join(rootfs, 'srv', 'index.html'), '<!doctype html><title>Tessera workspace</title><h1>Your Tessera workspace is running</h1>\n');
    writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n');
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    await run('tar', ['-C', rootfs, '-cf', output, '.']);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** The image on the engine at `socket` (the test engine: Podman), imported once. */
export async function ensureServicesWorkspaceImage(socket: string, name = SERVICES_WORKSPACE_IMAGE): Promise<void> {
  await ensureRootfsImage(socket, name, (output) => servicesWorkspaceRootfsTarball(output), ['USER 65534:65534']);
}
