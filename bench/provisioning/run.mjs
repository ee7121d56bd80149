// Provisioning benchmark, one run, on the real parts: FerretDB, dev-idp (for
// the identity step), Podman's Docker API and a Traefik dynamic directory.
//  1. provisioning time per tenant: POST /tenants until no step is pending;
//  2. reconcile of converged tenants (POST /reconcile) at 50, 200 and 500
//     tenants, counting containers created or restarted (target: none).
// `--smoke`: 3 tenants timed, one reconcile at 5, no targets.
import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { freePort, knob, machineLine, percentile, sleep, SMOKE, verdict, waitFor } from '../shared.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const SIZES = SMOKE ? [5] : (process.env.BENCH_SIZES ?? '50,200,500').split(',').map(Number);
const SAMPLE = knob('BENCH_PROVISION_SAMPLE', 30, 3);
const socket = process.env.CONTAINER_ENGINE_SOCKET;
if (!socket) throw new Error('CONTAINER_ENGINE_SOCKET is not set: run scripts/bench-provisioning.sh');
const run = Date.now().toString(36).slice(-5);
const docker = new Docker({ socketPath: socket });
const children = [];
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-prov-'));
// Whatever ends the run (a failure before the measurements included), no process it started outlives it.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});
// Database and identity provider.
const dbPort = await freePort();
children.push(spawn(process.env.FERRETDB_BIN, ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--state-dir=${dataDir}`, `--listen-addr=127.0.0.1:${dbPort}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=ERROR'], { stdio: 'inherit' }));
const idpPort = await freePort();
const idp = spawn(process.execPath, ['dist/main.js'], { cwd: join(ROOT, 'services/dev-idp'), stdio: 'ignore', env: { ...process.env, DEV_IDP_PORT: String(idpPort), DEV_IDP_ORIGIN: `http://127.0.0.1:${idpPort}`, DEV_IDP_MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/bench_idp`, DEV_IDP_SEED_DEMO: 'false', DEV_IDP_ADMIN_TOKEN: 'bench' } });
children.push(idp);
await waitFor(`http://127.0.0.1:${idpPort}/application/o/portal/.well-known/openid-configuration`, idp);

// People's tokens from a local issuer (the bench signs them; dev-idp serves the identity step).
const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
const issuerServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
await new Promise((r) => issuerServer.listen(0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${issuerServer.address().port}/application/o/`;
const sign = (sub, aud, groups) => new SignJWT({ email: `${sub}@bench.test`, name: sub, groups }).setProtectedHeader({ alg: 'RS256', kid: 'bench' }).setSubject(sub).setIssuer(`${issuer}${aud}/`).setAudience(`tessera-${aud}`).setIssuedAt().setExpirationTime('2h').sign(privateKey);
const owner = await sign('bench-owner', 'portal', []);
const operator = await sign('bench-operator', 'operator', ['platform-admins']);

const apiPort = await freePort();
const dynamicDir = join(dataDir, 'dynamic');
const apiProcess = spawn(process.execPath, ['dist/main.js'], {
  cwd: join(ROOT, 'services/platform-api'),
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    PORT: String(apiPort),
    MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/bench`,
    AUTH_ISSUERS: JSON.stringify(['portal', 'operator'].map((app) => ({ issuer: `${issuer}${app}/`, jwksUrl: `${issuer}${app}/jwks/`, audience: app }))),
    AUTH_AUDIENCE_PORTAL: 'tessera-portal', AUTH_AUDIENCE_OPERATOR: 'tessera-operator', AUTH_AUDIENCE_CI: 'tessera-ci',
    IDENTITY_API_URL: `http://127.0.0.1:${idpPort}`, IDENTITY_API_TOKEN: 'bench',
    CONTAINER_ENGINE_SOCKET: socket, WORKSPACE_PUBLISH_PORTS: 'true', TRAEFIK_DYNAMIC_DIR: dynamicDir,
    SEED_DEFAULT_TENANT: `default-b${run}`, LOG_LEVEL: 'warn', RATE_LIMIT_MUTATIONS_PER_MINUTE: '100000',
    EDGE_SESSION_SECRET: 'benchmark-edge-sessions-are-signed-with-this-key',
  },
});
children.push(apiProcess);
const api = `http://127.0.0.1:${apiPort}`;
await waitFor(`${api}/health/ready`, apiProcess);
const call = async (method, path, token, body) => {
  const response = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, body: await response.json() };
};
await call('GET', '/users/me', operator);

const slugs = [];
async function provision(index) {
  const slug = `b${run}-${index}`;
  slugs.push(slug);
  const started = performance.now();
  const created = await call('POST', '/tenants', owner, { slug, name: `Bench ${index}`, plan: 'free' });
  if (created.status !== 201) throw new Error(`create ${slug}: ${created.status} ${JSON.stringify(created.body)}`);
  for (;;) {
    const { body } = await call('GET', `/tenants/${slug}`, owner);
    const states = Object.values(body.provisioning).map((s) => s.state);
    if (!states.includes('pending')) {
      if (states.includes('error')) throw new Error(`${slug}: ${JSON.stringify(body.provisioning)}`);
      return performance.now() - started;
    }
    await sleep(20);
  }
}

async function cleanup() {
  for (const slug of [...slugs, `default-b${run}`]) {
    const filters = { label: [`io.tessera.tenant-slug=${slug}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  }
}

try {
  // 1. Provisioning time, one tenant at a time.
  const times = [];
  for (let i = 0; i < SAMPLE; i += 1) times.push(await provision(i));

  // 2. Reconcile of converged tenants, growing to each size.
  const rows = [];
  for (const size of SIZES) {
    const batch = [];
    for (let i = slugs.length; i < size; i += 1) batch.push(i);
    for (let at = 0; at < batch.length; at += 8) await Promise.all(batch.slice(at, at + 8).map(provision));
    const before = new Map((await docker.listContainers({ all: true, filters: { label: ['io.tessera.tenant-id'] } })).map((c) => [c.Id, c.State]));
    const startedAt = new Map(await Promise.all([...before.keys()].map(async (id) => [id, (await docker.getContainer(id).inspect()).State.StartedAt])));
    const t0 = performance.now();
    const result = await call('POST', '/reconcile', operator);
    const elapsed = performance.now() - t0;
    const after = await docker.listContainers({ all: true, filters: { label: ['io.tessera.tenant-id'] } });
    const created = after.filter((c) => !before.has(c.Id)).length;
    let restarted = 0;
    for (const c of after) if (startedAt.has(c.Id) && (await docker.getContainer(c.Id).inspect()).State.StartedAt !== startedAt.get(c.Id)) restarted += 1;
    const drift = result.body.results.flatMap((r) => Object.values(r.steps).flatMap((s) => s.drift)).length;
    rows.push({ size: result.body.results.length, elapsed, created, restarted, drift });
  }

  console.log(`\nprovisioning on Podman ${(await docker.version()).Version}, FerretDB v1.24.2, dev-idp${SMOKE ? ' (smoke: no targets)' : ''}; ${machineLine()}\n`);
  console.log(`provisioning time per tenant (${times.length} tenants, one at a time): p50 ${(percentile(times, 50) / 1000).toFixed(2)} s, p95 ${(percentile(times, 95) / 1000).toFixed(2)} s, max ${(Math.max(...times) / 1000).toFixed(2)} s\n`);
  console.log('| tenants | reconcile all | per tenant | containers created | restarted | drift found |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.size} | ${(r.elapsed / 1000).toFixed(2)} s | ${(r.elapsed / r.size).toFixed(1)} ms | ${r.created} | ${r.restarted} | ${r.drift} |`);
  const last = rows.at(-1);
  console.log(`\ntargets: p50 < 3 s: ${verdict(percentile(times, 50) < 3000)}; ${last.size} tenants < 10 s with none created or restarted: ${verdict(last.elapsed < 10_000 && last.created === 0 && last.restarted === 0)}`);
} finally {
  for (const child of children.reverse()) child.kill('SIGTERM');
  issuerServer.close();
  await sleep(500);
  await cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
