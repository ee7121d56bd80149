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
  /** Its API (`--api.insecure` on loopback): GET /api/http/routers/<name>@<provider>. Null when not started with one. */
  apiUrl: string | null;
  /** What it logged (errors only), for a test that waits for it to report something. */
  log(): string;
  stop(): Promise<void>;
}

/** Where a Traefik reads its routes, and the loopback ports it listens on (given: a restart on the same addresses). */
export interface TraefikOptions {
  /** The dynamic directory platform-api writes (file provider). */
  dynamicDir?: string;
  /** The API's route source (HTTP provider), polled every `pollInterval` with `headers`. */
  http?: { endpoint: string; headers?: Record<string, string>; pollInterval?: string };
  /** Serve Traefik's API on loopback. */
  api?: boolean;
  ports?: { web?: number; ping?: number; api?: number };
}

/**
 * Traefik watching `dynamicDir` (where platform-api writes its route files),
 * with the `websecure` entry point on a loopback port and no TLS: the real
 * edge path, forwardAuth included. Changes to the directory apply at once.
 */
export async function startTraefik(dynamicDir: string): Promise<RunningTraefik> {
  return startTraefikWith({ dynamicDir });
}

/** Traefik reading its routes from files or from the API's route source (GET /edge/routes), as `options` say. */
export async function startTraefikWith(options: TraefikOptions): Promise<RunningTraefik> {
  const port = options.ports?.web ?? (await freePort());
  const pingPort = options.ports?.ping ?? (await freePort());
  const apiPort = options.api ? (options.ports?.api ?? (await freePort())) : null;
  const providers = [
    ...(options.dynamicDir ? [`--providers.file.directory=${options.dynamicDir}`, '--providers.file.watch=true'] : []),
    ...(options.http
      ? [
          `--providers.http.endpoint=${options.http.endpoint}`,
          `--providers.http.pollInterval=${options.http.pollInterval ?? '1s'}`,
          '--providers.http.pollTimeout=5s',
          ...Object.entries(options.http.headers ?? {}).map(([name, value]) => `--providers.http.headers.${name}=${value}`),
        ]
      : []),
  ];
  const child = spawn(
    traefikBinary(),
    [
      `--entryPoints.websecure.address=127.0.0.1:${port}`,
      `--entryPoints.ping.address=127.0.0.1:${pingPort}`,
      '--ping=true',
      '--ping.entryPoint=ping',
      ...(apiPort ? [`--entryPoints.traefik.address=127.0.0.1:${apiPort}`, '--api=true', '--api.insecure=true', '--api.dashboard=false'] : []),
      ...providers,
      '--providers.providersThrottleDuration=0s',
      '--log.level=ERROR',
      '--global.checkNewVersion=false',
      '--global.sendAnonymousUsage=false',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
    process.stderr.write(chunk);
  });
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
    apiUrl: apiPort ? `http://127.0.0.1:${apiPort}` : null,
    log: () => log,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
