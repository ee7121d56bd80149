import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

/**
 * The image `name` on the engine at `socket` (the test engine: Podman),
 * imported once from a root filesystem tarball that `writeTarball` makes,
 * with the Dockerfile-style `changes` (USER …). Never pulled.
 */
export async function ensureRootfsImage(socket: string, name: string, writeTarball: (output: string) => Promise<void>, changes: string[] = []): Promise<void> {
  const docker = new Docker({ socketPath: socket });
  const present = await docker
    .getImage(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (present) return;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rootfs-image-'));
  try {
    const tarball = join(dir, 'rootfs.tar');
    await writeTarball(tarball);
    // The name goes whole in `repo`: Podman's import ignores a separate `tag` (seen: it named the image `:latest`).
    const stream = await docker.importImage(createReadStream(tarball), { repo: name, changes });
    const events = await new Promise<{ error?: string }[]>((done, fail) => docker.modem.followProgress(stream, (error: Error | null, output: unknown[]) => (error ? fail(error) : done(output as never))));
    const failed = events.find((event) => event.error);
    if (failed) throw new Error(`importing ${name}: ${failed.error}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
