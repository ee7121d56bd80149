// The time from a workspace going down to its owner's email arriving, on the
// real parts: FerretDB, dev-idp (the identity step), Podman's Docker API with
// the workspace image, Mailpit as the SMTP server, and the built platform-api
// (as main.ts runs it: its own dispatcher schedule, no test hooks).
// Each round kills the workspace's container out of band (as a crash would),
// then polls Mailpit's API until the "is down" email to the owner is there;
// the workspace is started again before the next round. The API runs with
// WORKSPACE_DOWN_GRACE_SECONDS=0, so the figure is Tessera's own path (engine
// event → check → outbox → dispatcher → SMTP); a deployment waits its grace
// (10 s by default) on top, to let a restart come back first.
// --smoke (or BENCH_SMOKE=1): one round, no targets.
import Docker from 'dockerode';
import * as jose from 'jose';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { send, startPlatform } from '../platform.mjs';
import { freePort, knob, percentile, SMOKE, sleep, verdict, waitFor } from '../shared.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = knob('BENCH_ROUNDS', 10, 1);
/** What a person would call prompt: the email within 5 s of the crash (p95), grace aside. */
const TARGET_MS = 5_000;
const socket = process.env.CONTAINER_ENGINE_SOCKET;
if (!socket) throw new Error('CONTAINER_ENGINE_SOCKET is not set: start Podman (scripts/lib.sh start_podman) and point it there');
if (!process.env.MAILPIT_BIN) throw new Error('MAILPIT_BIN is not set: run scripts/lib.sh ensure_mailpit');
const docker = new Docker({ socketPath: socket });
const run = Date.now().toString(36).slice(-5);
const slug = `n${run}`;
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-notifications-'));
const children = [];
let platform;
const stopAll = () => {
  platform?.stop();
  for (const child of children) child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('exit', stopAll);

// FerretDB, shared by dev-idp and the API (startPlatform takes MONGODB_URI as given).
const dbPort = await freePort();
children.push(spawn(process.env.FERRETDB_BIN, ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--state-dir=${dataDir}`, `--listen-addr=127.0.0.1:${dbPort}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=ERROR'], { stdio: 'inherit' }));
await sleep(500);
process.env.MONGODB_URI = `mongodb://127.0.0.1:${dbPort}/bench_notifications`;
const idpPort = await freePort();
children.push(spawn(process.execPath, ['dist/main.js'], { cwd: join(ROOT, 'services/dev-idp'), stdio: 'ignore', env: { ...process.env, DEV_IDP_PORT: String(idpPort), DEV_IDP_ORIGIN: `http://127.0.0.1:${idpPort}`, DEV_IDP_MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/bench_notifications_idp`, DEV_IDP_SEED_DEMO: 'false', DEV_IDP_ADMIN_TOKEN: 'bench' } }));
await waitFor(`http://127.0.0.1:${idpPort}/application/o/portal/.well-known/openid-configuration`);

const [mailHttp, mailSmtp] = [await freePort(), await freePort()];
children.push(spawn(process.env.MAILPIT_BIN, ['--listen', `127.0.0.1:${mailHttp}`, '--smtp', `127.0.0.1:${mailSmtp}`, '--database', join(dataDir, 'mailpit.db'), '--disable-version-check', '--quiet'], { stdio: 'inherit' }));
await waitFor(`http://127.0.0.1:${mailHttp}/api/v1/info`);
const mailpit = `http://127.0.0.1:${mailHttp}/api/v1`;

platform = await startPlatform(jose, {
  IDENTITY_API_URL: `http://127.0.0.1:${idpPort}`,
  IDENTITY_API_TOKEN: 'bench',
  CONTAINER_ENGINE_SOCKET: socket,
  WORKSPACE_PUBLISH_PORTS: 'true',
  TRAEFIK_DYNAMIC_DIR: join(dataDir, 'dynamic'),
  SEED_DEFAULT_TENANT: `default-${slug}`,
  SMTP_URL: `smtp://127.0.0.1:${mailSmtp}`,
  WORKSPACE_DOWN_GRACE_SECONDS: '0',
  WORKSPACE_IDLE_SECONDS: '0',
  INCIDENTS_CHECK_SECONDS: '0',
  RATE_LIMIT_MUTATIONS_PER_MINUTE: '100000',
});

async function cleanup() {
  for (const name of [slug, `default-${slug}`]) {
    const filters = { label: [`io.tessera.tenant-slug=${name}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  }
}

const owner = await platform.token('bench-owner', 'portal');
await send(platform.base, 'GET', '/users/me', owner);
await send(platform.base, 'POST', '/tenants', owner, { slug, name: `Bench ${run}` });
const untilRunning = async () => {
  for (;;) {
    const workspace = await send(platform.base, 'GET', `/tenants/${slug}/workspace`, owner);
    if (workspace.state === 'running') return;
    await sleep(50);
  }
};
try {
  for (;;) {
    const tenant = await send(platform.base, 'GET', `/tenants/${slug}`, owner);
    if (tenant.status === 'active') break;
    if (Object.values(tenant.provisioning).some((step) => step.state === 'error')) throw new Error(`provisioning failed: ${JSON.stringify(tenant.provisioning)}`);
    await sleep(100);
  }
  await untilRunning();
  const container = (await docker.listContainers({ filters: { label: [`io.tessera.tenant-slug=${slug}`] } }))[0];
  if (!container) throw new Error('no workspace container');

  const times = [];
  for (let round = 0; round < ROUNDS; round++) {
    await fetch(`${mailpit}/messages`, { method: 'DELETE' });
    const started = performance.now();
    await docker.getContainer(container.Id).kill();
    for (;;) {
      const { messages } = await (await fetch(`${mailpit}/messages?limit=50`)).json();
      if (messages.some((m) => /is down/.test(m.Subject) && m.To.some((to) => to.Address === 'bench-owner@example.test'))) break;
      if (performance.now() - started > 60_000) throw new Error('no email within 60 s');
      await sleep(10);
    }
    times.push(performance.now() - started);
    await send(platform.base, 'POST', `/tenants/${slug}/workspace/restart`, owner);
    await untilRunning();
  }
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  console.log(`\nNotifications: workspace down → email in Mailpit (${platform.machine}; FerretDB v1.24.2 (SQLite); Podman; Mailpit ${process.env.MAILPIT_VERSION ?? 'v1.33.1'})`);
  console.log(`  rounds: ${times.length}; p50 ${Math.round(p50)} ms, p95 ${Math.round(p95)} ms, max ${Math.round(Math.max(...times))} ms (grace 0 s; a deployment adds WORKSPACE_DOWN_GRACE_SECONDS)`);
  console.log(`  target p95 ≤ ${TARGET_MS} ms: ${verdict(p95 <= TARGET_MS)}`);
  console.log('  peer: none measured (no peer that sends such an email can be run here)');
  if (!SMOKE && p95 > TARGET_MS) process.exitCode = 1;
} finally {
  await cleanup().catch(() => {});
}
process.exit(process.exitCode ?? 0);
