import type Docker from 'dockerode';
import { SLUG_LABEL } from '../../src/integrations/containers/container-runtime.port';

/** Runs a command inside a container and answers what it printed (stdout and stderr, demultiplexed). */
export async function execIn(docker: Docker, container: string, command: string[]): Promise<string> {
  const exec = await docker.getContainer(container).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  // Frames: 1 byte stream type, 3 zero bytes, 4 bytes big-endian length, then the payload.
  const raw = Buffer.concat(chunks);
  let text = '';
  for (let at = 0; at + 8 <= raw.length; ) {
    const length = raw.readUInt32BE(at + 4);
    text += raw.subarray(at + 8, at + 8 + length).toString('utf8');
    at += 8 + length;
  }
  return text;
}

/** Removes every engine object of the given tenants (by slug): test hygiene on a shared engine. */
export async function removeTenantObjects(docker: Docker, slugs: string[]): Promise<void> {
  for (const slug of slugs) {
    const filters = { label: [`${SLUG_LABEL}=${slug}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
    const { Volumes } = await docker.listVolumes({ filters });
    for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
}
