import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The engine the test command started (Podman's Docker API), or a clear failure. */
export function testEngineSocket(): string {
  const socket = process.env['TESSERA_TEST_ENGINE_SOCKET'];
  if (!socket) throw new Error('No container engine for the tests: run them through scripts/test.sh, which starts Podman and sets TESSERA_TEST_ENGINE_SOCKET');
  return socket;
}

export function pingEngine(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => (req.destroy(), resolve(false)));
    req.end();
  });
}

/**
 * A Podman API service of a test's own, on its own socket, that the test can
 * stop and start again (an engine that goes down and comes back). It shares
 * the machine's Podman storage with the test command's engine.
 */
export class EngineProcess {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tessera-engine-'));
  readonly socket = join(this.dir, 'podman.sock');

  async start(): Promise<void> {
    this.child = spawn('podman', ['system', 'service', '--time=0', `unix://${this.socket}`], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await pingEngine(this.socket)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('podman system service did not come up');
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One call to the engine's Docker API over its socket (with a JSON body when given); answers the status and the parsed body. */
export function engineCall(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const req = request({ socketPath: socket, path, method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Removes every engine object (containers, networks, volumes) of the given
 * tenants, by the slug label platform-api puts on them: hygiene for tests that
 * share an engine.
 */
export async function removeEngineObjects(socket: string, slugs: string[]): Promise<void> {
  for (const slug of slugs) {
    const filters = encodeURIComponent(JSON.stringify({ label: [`io.tessera.tenant-slug=${slug}`] }));
    const containers = (await engineCall(socket, 'GET', `/containers/json?all=true&filters=${filters}`)).body as { Id: string }[];
    for (const c of containers ?? []) await engineCall(socket, 'DELETE', `/containers/${c.Id}?force=true`);
    const networks = (await engineCall(socket, 'GET', `/networks?filters=${filters}`)).body as { Id: string }[];
    for (const n of networks ?? []) await engineCall(socket, 'DELETE', `/networks/${n.Id}`);
    const volumes = ((await engineCall(socket, 'GET', `/volumes?filters=${filters}`)).body as { Volumes?: { Name: string }[] } | null)?.Volumes;
    for (const v of volumes ?? []) await engineCall(socket, 'DELETE', `/volumes/${encodeURIComponent(v.Name)}`);
  }
}

/**
 * Runs a shell script inside a tenant's workspace container (named
 * tessera-<slug>-app by platform-api), as the workspace itself would run it:
 * what it writes to /proc/1/fd/1 or /proc/1/fd/2 shows in the workspace's log.
 */
export async function execInWorkspace(socket: string, slug: string, script: string): Promise<string> {
  const { execInContainer } = await import('./docker-engine');
  const { default: Docker } = await import('dockerode');
  const { output } = await execInContainer(new Docker({ socketPath: socket }), `tessera-${slug}-app`, script);
  return output;
}
