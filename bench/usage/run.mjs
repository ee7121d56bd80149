// The usage sampler at 500 workspaces, one run, on the real parts: FerretDB,
// dev-idp (the identity step), Podman's Docker API and the built
// platform-api (api-process.mjs: as main.ts runs it, with the sampler's
// passes asked for over IPC instead of on its schedule).
//  1. the cost of one pass over every running workspace: its time, the API
//     process's CPU time, its memory; and of the passes that roll up
//     5 minutes, an hour and a day;
//  2. the API's latency (GET /tenants/:slug, GET /tenants/:slug/workspace)
//     and one reconcile of every tenant (POST /reconcile), first with the
//     sampler idle, then with passes running back to back (the worst case:
//     a pass always under way); the ratios say what sampling costs them;
//  3. reading a workspace's history (GET /tenants/:slug/workspace/usage).
// --smoke (or BENCH_SMOKE=1): 3 workspaces, a few requests, no targets.
import Docker from 'dockerode';
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { freePort, percentile, sleep, waitFor } from '../shared.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const WORKSPACES = SMOKE ? 3 : Number(process.env.BENCH_WORKSPACES ?? 500);
const REQUESTS = SMOKE ? 12 : Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = 4;
const SAMPLE_SECONDS = 60;
const USAGE_CONCURRENCY = Number(process.env.BENCH_USAGE_CONCURRENCY ?? 4);
const socket = process.env.CONTAINER_ENGINE_SOCKET;
if (!socket) throw new Error('CONTAINER_ENGINE_SOCKET is not set: run scripts/bench-usage.sh');
const run = Date.now().toString(36).slice(-5);
const docker = new Docker({ socketPath: socket });
const children = [];
// Whatever happens, nothing this run started outlives it.
process.on('exit', () => children.forEach((child) => child.kill('SIGTERM')));
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-usage-'));

const dbPort = await freePort();
children.push(spawn(process.env.FERRETDB_BIN, ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--state-dir=${dataDir}`, `--listen-addr=127.0.0.1:${dbPort}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=ERROR'], { stdio: 'inherit' }));
const idpPort = await freePort();
children.push(spawn(process.execPath, ['dist/main.js'], { cwd: join(ROOT, 'services/dev-idp'), stdio: 'ignore', env: { ...process.env, DEV_IDP_PORT: String(idpPort), DEV_IDP_ORIGIN: `http://127.0.0.1:${idpPort}`, DEV_IDP_MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/bench_idp`, DEV_IDP_SEED_DEMO: 'false', DEV_IDP_ADMIN_TOKEN: 'bench' } }));
await waitFor(`http://127.0.0.1:${idpPort}/application/o/portal/.well-known/openid-configuration`);

// People's tokens from a local issuer (dev-idp serves the identity step).
const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
const issuerServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
await new Promise((r) => issuerServer.listen(0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${issuerServer.address().port}/application/o/`;
// Valid for a week of the API's clock, which the passes move forward.
const sign = (sub, aud, groups) => new SignJWT({ email: `${sub}@bench.test`, name: sub, groups }).setProtectedHeader({ alg: 'RS256', kid: 'bench' }).setSubject(sub).setIssuer(`${issuer}${aud}/`).setAudience(`tessera-${aud}`).setIssuedAt().setExpirationTime('7d').sign(privateKey);
const owner = await sign('bench-owner', 'portal', []);
const operator = await sign('bench-operator', 'operator', ['platform-admins']);

const apiPort = await freePort();
const api = fork(join(import.meta.dirname, 'api-process.mjs'), [], {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  env: {
    ...process.env,
    PORT: String(apiPort),
    MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/bench`,
    AUTH_ISSUERS: JSON.stringify(['portal', 'operator'].map((app) => ({ issuer: `${issuer}${app}/`, jwksUrl: `${issuer}${app}/jwks/`, audience: app }))),
    AUTH_AUDIENCE_PORTAL: 'tessera-portal',
    AUTH_AUDIENCE_OPERATOR: 'tessera-operator',
    AUTH_AUDIENCE_CI: 'tessera-ci',
    IDENTITY_API_URL: `http://127.0.0.1:${idpPort}`,
    IDENTITY_API_TOKEN: 'bench',
    CONTAINER_ENGINE_SOCKET: socket,
    WORKSPACE_PUBLISH_PORTS: 'true',
    TRAEFIK_DYNAMIC_DIR: join(dataDir, 'dynamic'),
    EDGE_SESSION_SECRET: 'benchmark-edge-sessions-are-signed-with-this-key',
    SEED_DEFAULT_TENANT: `default-u${run}`,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MUTATIONS_PER_MINUTE: '100000',
    USAGE_SAMPLE_SECONDS: String(SAMPLE_SECONDS),
    USAGE_CONCURRENCY: String(USAGE_CONCURRENCY),
    // Idle sleep would stop workspaces while the clock is moved ahead.
    WORKSPACE_IDLE_SECONDS: '0',
  },
});
children.push(api);
const messages = [];
const waiters = [];
api.on('message', (message) => {
  messages.push(message);
  for (const waiter of waiters.splice(0)) waiter();
});
let apiExited = null;
api.on('exit', (code) => {
  apiExited = code;
  for (const waiter of waiters.splice(0)) waiter();
});
async function reply(type) {
  for (;;) {
    if (apiExited !== null) throw new Error(`the API process exited (${apiExited})`);
    const index = messages.findIndex((message) => message.type === type);
    if (index >= 0) return messages.splice(index, 1)[0];
    await new Promise((resolve) => waiters.push(resolve));
  }
}
const ask = async (message, answer) => {
  api.send(message);
  return reply(answer);
};
const ready = await reply('ready');
const base = `http://127.0.0.1:${apiPort}`;
const call = async (method, path, token, body) => {
  const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, body: await response.json() };
};
await call('GET', '/users/me', operator);

const slugs = [];
async function provision(index) {
  const slug = `u${run}-${index}`;
  slugs.push(slug);
  const created = await call('POST', '/tenants', owner, { slug, name: `Usage ${index}`, plan: 'free' });
  if (created.status !== 201) throw new Error(`create ${slug}: ${created.status} ${JSON.stringify(created.body)}`);
  for (;;) {
    const { body } = await call('GET', `/tenants/${slug}`, owner);
    const states = Object.values(body.provisioning).map((step) => step.state);
    if (!states.includes('pending')) {
      if (body.provisioning.workspace?.state !== 'ok') throw new Error(`${slug}: ${JSON.stringify(body.provisioning)}`);
      return;
    }
    await sleep(50);
  }
}

async function cleanup() {
  for (const slug of [...slugs, `default-u${run}`]) {
    const filters = { label: [`io.tessera.tenant-slug=${slug}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  }
}

/** REQUESTS requests over the given paths, CONCURRENCY at a time: the latency of each path, ms. */
async function latencies(paths) {
  const times = new Map(paths.map((path) => [path.name, []]));
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const index = next++;
      const path = paths[index % paths.length];
      const slug = slugs[index % slugs.length];
      const started = performance.now();
      const response = await fetch(`${base}${path.url(slug)}`, { headers: { authorization: `Bearer ${owner}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path.name}: ${response.status}`);
      times.get(path.name).push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Object.fromEntries([...times].map(([name, values]) => [name, { p50: percentile(values, 50), p95: percentile(values, 95) }]));
}
async function reconcileAll() {
  const started = performance.now();
  const result = await call('POST', '/reconcile', operator);
  if (result.status !== 200) throw new Error(`reconcile: ${result.status}`);
  return { ms: performance.now() - started, tenants: result.body.results.length };
}

const READS = [
  { name: 'GET /tenants/:slug', url: (slug) => `/tenants/${slug}` },
  { name: 'GET /tenants/:slug/workspace', url: (slug) => `/tenants/${slug}/workspace` },
];
const ms = (value) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const ratio = (during, before) => `${(during / before).toFixed(2)} ×`;
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

try {
  for (let at = 0; at < WORKSPACES; at += 8) await Promise.all(Array.from({ length: Math.min(8, WORKSPACES - at) }, (_, i) => provision(at + i)));

  // 1. Passes, the sampler otherwise idle.
  const passes = [];
  for (let i = 0; i < (SMOKE ? 2 : 5); i += 1) passes.push(await ask({ type: 'pass' }, 'pass'));
  const bad = passes.find((pass) => pass.report.skipped || pass.report.failed > 0);
  if (bad) throw new Error(`a pass did not sample every workspace: ${JSON.stringify(bad.report)}`);
  const rollups = [];
  for (const [name, boundaryMs] of [['5 minutes', 5 * 60_000], ['an hour', 3_600_000], ['a day', 86_400_000]]) {
    rollups.push({ name, ...(await ask({ type: 'pass', boundaryMs }, 'pass')) });
  }

  // 2. The API and reconcile, the sampler idle, then sampling back to back.
  await latencies(READS); // warm-up
  const idle = await latencies(READS);
  const reconcileIdle = await reconcileAll();
  await ask({ type: 'loop' }, 'looping');
  const busy = await latencies(READS);
  const reconcileBusy = await reconcileAll();
  const { reports: loop } = await ask({ type: 'stop-loop' }, 'loop-stopped');

  // 3. Reading a history.
  const history = {};
  for (const range of ['1h', '24h', '7d']) {
    const times = [];
    for (let i = 0; i < (SMOKE ? 3 : 30); i += 1) {
      const started = performance.now();
      const answer = await call('GET', `/tenants/${slugs[i % slugs.length]}/workspace/usage?range=${range}`, owner);
      if (answer.status !== 200 || answer.body.points.length === 0) throw new Error(`usage ${range}: ${answer.status} ${answer.body.points?.length} points`);
      times.push(performance.now() - started);
    }
    history[range] = { p50: percentile(times, 50), p95: percentile(times, 95) };
  }

  const durations = passes.slice(1).map((pass) => pass.report.durationMs);
  const cpuTimes = passes.slice(1).map((pass) => pass.cpuMs);
  const sampled = passes[0].report.sampled;
  console.log(`\nusage sampling on Podman ${(await docker.version()).Version}, FerretDB v1.24.2; ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}${SMOKE ? ' (smoke: no targets)' : ''}\n`);
  console.log(`${sampled} running workspaces, USAGE_CONCURRENCY ${USAGE_CONCURRENCY}, passes of a 60-second interval\n`);
  console.log('| pass | time | API CPU time | per workspace | API memory after |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| a pass (p50 of ${durations.length}) | ${ms(percentile(durations, 50))} | ${ms(percentile(cpuTimes, 50))} | ${ms(percentile(durations, 50) / sampled)} | ${mb(passes.at(-1).rss)} |`);
  for (const pass of rollups) console.log(`| a pass that rolls up ${pass.name} | ${ms(pass.report.durationMs)} | ${ms(pass.cpuMs)} | ${ms(pass.report.durationMs / sampled)} | ${mb(pass.rss)} |`);
  console.log(`\nAPI memory before any workspace: ${mb(ready.rss)}\n`);
  console.log(`| with ${REQUESTS} requests, ${CONCURRENCY} at a time | sampler idle p50 / p95 | sampling back to back p50 / p95 | p95 ratio |`);
  console.log('|---|---:|---:|---:|');
  for (const { name } of READS) console.log(`| ${name} | ${ms(idle[name].p50)} / ${ms(idle[name].p95)} | ${ms(busy[name].p50)} / ${ms(busy[name].p95)} | ${ratio(busy[name].p95, idle[name].p95)} |`);
  console.log(`| POST /reconcile (${reconcileIdle.tenants} tenants) | ${ms(reconcileIdle.ms)} | ${ms(reconcileBusy.ms)} | ${ratio(reconcileBusy.ms, reconcileIdle.ms)} |`);
  console.log(`\n${loop.length} passes ran back to back meanwhile, p50 ${ms(percentile(loop.map((pass) => pass.report.durationMs), 50))} each.\n`);
  console.log('| GET /tenants/:slug/workspace/usage | p50 | p95 |');
  console.log('|---|---:|---:|');
  for (const [range, figures] of Object.entries(history)) console.log(`| range=${range} | ${ms(figures.p50)} | ${ms(figures.p95)} |`);
  if (!SMOKE) {
    const passTime = percentile(durations, 50);
    const worst = Math.max(...READS.map(({ name }) => busy[name].p95 / idle[name].p95), reconcileBusy.ms / reconcileIdle.ms);
    console.log(`\ntargets: a pass well inside its interval (< 25 % of 60 s): ${passTime < 15_000 ? 'met' : 'NOT met'}; API p95 and reconcile under sampling within 1.5 × idle: ${worst <= 1.5 ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)} ×)`);
  }
} finally {
  api.send({ type: 'exit' });
  await sleep(1_000);
  for (const child of children.reverse()) child.kill('SIGTERM');
  issuerServer.close();
  await sleep(500);
  await cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
