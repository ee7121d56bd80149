import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './ferretdb';

/** Must match TRAEFIK_VERSION in scripts/lib.sh, which builds it. */
export const TRAEFIK_VERSION = 'v3.6.12';
const ROOT = resolve(__dirname, '../../..');

/** The Traefik binary the second command builds: TRAEFIK_BIN, else .tools/traefik-<version>/traefik. */
export function traefikBinary(): string {
  const binary = process.env['TRAEFIK_BIN'] || join(process.env['TESSERA_TOOLS'] || join(ROOT, '.tools'), `traefik-${TRAEFIK_VERSION}`, 'traefik');
  if (!existsSync(binary)) throw new Error(`No Traefik at ${binary}: scripts/test.sh builds it (ensure_traefik in scripts/lib.sh)`);
  return binary;
}

export interface RunningTraefik {
  /** http://127.0.0.1:<port>: the `websecure` entry point the tenant routes name, plain HTTP here. */
  origin: string;
  port: number;
  /** Its ping address (200 while it runs): what the API's edge probe asks. */
  pingUrl: string;
  stop(): Promise<void>;
}

/**
 * Traefik watching `dynamicDir` (where platform-api writes its route files),
 * with the `websecure` entry point on a loopback port and no TLS: the real
 * edge path, forwardAuth included. Changes to the directory apply at once.
 */
export async function startTraefik(dynamicDir: string): Promise<RunningTraefik> {
  const [port, pingPort] = [await freePort(), await freePort()];
  const child = spawn(
    traefikBinary(),
    [
      `--entryPoints.websecure.address=127.0.0.1:${port}`,
      `--entryPoints.ping.address=127.0.0.1:${pingPort}`,
      '--ping=true',
      '--ping.entryPoint=ping',
      `--providers.file.directory=${dynamicDir}`,
      '--providers.file.watch=true',
      '--providers.providersThrottleDuration=0s',
      '--log.level=ERROR',
      '--global.checkNewVersion=false',
      '--global.sendAnonymousUsage=false',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  // A safety net for a loaded machine, not a target: it answers in well under a second when idle.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Traefik exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('Traefik did not come up');
    const ready = await fetch(`http://127.0.0.1:${pingPort}/ping`).then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    pingUrl: `http://127.0.0.1:${pingPort}/ping`,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
