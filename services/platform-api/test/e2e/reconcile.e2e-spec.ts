import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEV_IDP_CLIENTS, EngineProcess, startDockerEngine, type DockerEngine } from '@tessera/testing';
import { workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { ReconcileService } from '../../src/provisioning/reconcile.service';
import { provisioned, startAppWithDevIdp } from '../support/app';
import { removeTenantObjects } from '../support/engine';

jest.setTimeout(60_000);

const CLI = resolve(__dirname, '../../dist/cli/tessera.js');

/** The CLI as CI runs it: a process, with its settings in the environment. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build platform-api first (pnpm -r build)`);
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => done({ code: code ?? -1, output }));
  });
}

/** An engine that can be down: started, stopped, and removed at the end with what it held. */
interface DownEngine {
  socket: string;
  publishAddress: string;
  start(): Promise<void>;
  dispose(slugs: string[]): Promise<void>;
}

/**
 * On each engine of one host: Podman (a `podman system service` of this
 * file's, not yet started) and Docker Engine (a daemon of this file's in a
 * network namespace, through packages/testing, started to import the
 * workspace image and then stopped).
 */
const ENGINES: { name: string; down: () => Promise<DownEngine> }[] = [
  {
    name: 'Podman',
    down: () => {
      const podman = new EngineProcess();
      return Promise.resolve({
        socket: podman.socket,
        publishAddress: '127.0.0.1',
        start: () => podman.start(),
        dispose: async (slugs) => {
          await removeTenantObjects(new Docker({ socketPath: podman.socket }), slugs).catch(() => undefined);
          await podman.dispose();
        },
      });
    },
  },
  {
    name: 'Docker Engine',
    down: async () => {
      const docker: DockerEngine = await startDockerEngine();
      await docker.stopDaemon();
      return { socket: docker.socket, publishAddress: docker.address, start: () => docker.startDaemon(), dispose: () => docker.stop() };
    },
  },
];

describe.each(ENGINES)('reconcile when the engine goes down, and from CI: $name', ({ down }) => {
  const slug = `down-${randomBytes(3).toString('hex')}`;
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-traefik-'));
  let engine: DownEngine;
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let owner: string;
  let cliEnv: Record<string, string>;
  const defaultTenant = `default-${slug}`;

  beforeAll(async () => {
    // The engine is not started yet (or stopped again): the app meets an engine that is down.
    engine = await down();
    t = await startAppWithDevIdp('reconcile', {
      CONTAINER_ENGINE_SOCKET: engine.socket,
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      WORKSPACE_PUBLISH_PORTS: 'true',
      WORKSPACE_PUBLISH_ADDRESS: engine.publishAddress,
      SEED_DEFAULT_TENANT: defaultTenant,
    });
    await t.idp.createPerson('owner');
    owner = await t.idp.accessToken('owner', 'portal');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    cliEnv = { TESSERA_API_URL: `http://127.0.0.1:${port}`, TESSERA_ISSUER: t.idp.issuer('ci'), TESSERA_CLIENT_ID: DEV_IDP_CLIENTS.ci.id, TESSERA_CLIENT_SECRET: DEV_IDP_CLIENTS.ci.secret };
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await engine?.dispose([slug, defaultTenant]);
    rmSync(dynamicDir, { recursive: true, force: true });
  });

  it('records the workspace step in error while the engine is down, and the other steps still succeed', async () => {
    await t.http().post('/tenants').set('authorization', `Bearer ${owner}`).send({ slug, name: 'Down' }).expect(201);
    const tenant = await provisioned(t, slug, owner);
    expect(tenant.provisioning['workspace']).toMatchObject({ state: 'error', error: expect.stringContaining('not reachable') });
    expect(tenant.provisioning['identity']).toMatchObject({ state: 'ok' });
    expect(tenant.provisioning['route']).toMatchObject({ state: 'ok' });
    expect(tenant.status).toBe('pending');
    const workspace = await t.http().get(`/tenants/${slug}/workspace`).set('authorization', `Bearer ${owner}`).expect(200);
    expect(workspace.body).toMatchObject({ state: 'unknown', reason: expect.stringContaining('not reachable') });
  });

  it('has the CLI exit non-zero while a step is in error, printing it', async () => {
    const { code, output } = await runCli(['reconcile', '--tenant', slug], cliEnv);
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`workspace\\s+error`));
    expect(output).toContain('1 tenant(s) reconciled, 1 with a step in error');
  });

  it('heals once the engine is back: the CLI exits 0 and the tenant is active with a running workspace', async () => {
    await engine.start();
    const { code, output } = await runCli(['reconcile', '--tenant', slug], cliEnv);
    expect(output).toMatch(/workspace\s+ok/);
    expect(code).toBe(0);
    const tenant = await t.http().get(`/tenants/${slug}`).set('authorization', `Bearer ${owner}`).expect(200);
    expect(tenant.body.status).toBe('active');
    const container = await new Docker({ socketPath: engine.socket }).getContainer(workspaceNames(slug).container).inspect();
    expect(container.State.Running).toBe(true);
  });

  it('reconciles every tenant with --all', async () => {
    const { code, output } = await runCli(['reconcile', '--all'], cliEnv);
    expect(code).toBe(0);
    expect(output).toContain(`${slug} [active]`);
    expect(output).toContain(`${defaultTenant} [active]`);
  });

  it('refuses CI on a tenant route it was not given, and people on POST /reconcile', async () => {
    const ci = await t.idp.machineToken();
    await t.http().patch(`/tenants/${slug}`).set('authorization', `Bearer ${ci}`).send({ name: 'x' }).expect(403);
    await t.http().post('/reconcile').set('authorization', `Bearer ${owner}`).expect(403);
  });

  it('rewrites every route file from the database in its start-up pass', async () => {
    const path = join(dynamicDir, `tenant-${slug}.yml`);
    rmSync(path);
    // The pass runs in the background (the process serves meanwhile): wait for it.
    await t.app.get(ReconcileService).onApplicationBootstrap();
    await t.app.get(ReconcileService).settled();
    expect(existsSync(path)).toBe(true);
  });
});
