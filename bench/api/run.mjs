// Measures GET /health, authenticated GET /users/me and GET /tenants/:slug in
// one run, at 64 connections, against a built platform-api on FerretDB (or
// MONGODB_URI), with tokens from a local issuer serving a real RSA JWKS.
// Prints a Markdown table for docs/benchmarks.md and the ratios to /health.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { freePort, sleep, waitFor } from '../shared.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = 3;

// A local issuer with one RSA key, at Authentik's paths.
const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
const issuerServer = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ keys: [jwk] }));
});
await new Promise((r) => issuerServer.listen(0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${issuerServer.address().port}/application/o/portal/`;
const token = await new SignJWT({ email: 'bench@example.test', name: 'Bench', groups: [] })
  .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
  .setSubject('bench-user')
  .setIssuer(issuer)
  .setAudience('tessera-portal')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(privateKey);

const children = [];
let dataDir;
const cleanup = () => {
  for (const child of children) child.kill('SIGTERM');
  issuerServer.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
};
process.on('exit', cleanup);

let mongodbUri = process.env.MONGODB_URI;
let database = 'MongoDB (MONGODB_URI)';
if (!mongodbUri) {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const port = await freePort();
  const ferretdb = spawn(process.env.FERRETDB_BIN, ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--state-dir=${dataDir}`, `--listen-addr=127.0.0.1:${port}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=ERROR'], { stdio: 'inherit' });
  children.push(ferretdb);
  mongodbUri = `mongodb://127.0.0.1:${port}/bench`;
  database = 'FerretDB v1.24.2 (SQLite)';
  await sleep(500);
}

const apiPort = await freePort();
const api = spawn(process.execPath, [...(process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean), 'dist/main.js'], {
  cwd: join(ROOT, 'services/platform-api'),
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    PORT: String(apiPort),
    MONGODB_URI: mongodbUri,
    AUTH_ISSUERS: JSON.stringify([{ issuer, jwksUrl: `${issuer}jwks/` }]),
    AUTH_AUDIENCE_PORTAL: 'tessera-portal',
    AUTH_AUDIENCE_OPERATOR: 'tessera-operator',
    AUTH_AUDIENCE_CI: 'tessera-ci',
    IDENTITY_API_URL: 'http://127.0.0.1:1',
    IDENTITY_API_TOKEN: 'unused',
    LOG_LEVEL: 'warn',
  },
});
children.push(api);
const base = `http://127.0.0.1:${apiPort}`;
await waitFor(`${base}/health/ready`, api);

const auth = { authorization: `Bearer ${token}` };
const created = await fetch(`${base}/tenants`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ slug: 'bench', name: 'Bench' }) });
if (created.status !== 201 && created.status !== 409) throw new Error(`could not create the bench tenant: ${created.status}`);

const targets = [
  { name: 'GET /health', path: '/health', headers: {} },
  { name: 'GET /users/me', path: '/users/me', headers: auth },
  { name: 'GET /tenants/:slug', path: '/tenants/bench', headers: auth },
];

const run = (target, duration) =>
  autocannon({ url: `${base}${target.path}`, headers: target.headers, connections: CONNECTIONS, duration });

const results = [];
for (const target of targets) {
  await run(target, WARMUP);
  const result = await run(target, DURATION);
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${target.name}: ${bad} requests failed`);
  results.push({ ...target, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total });
}

const health = results[0].rps;
console.log(`\nplatform-api at ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up; ${database}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}\n`);
console.log('| route | req/s | vs /health | p50 ms | p99 ms | requests |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${((r.rps / health) * 100).toFixed(0)} % | ${r.p50} | ${r.p99} | ${r.total} |`);
}
const authed = results.slice(1);
const meetsShare = authed.every((r) => r.rps >= 0.6 * health);
const meetsP99 = authed.every((r) => r.p99 < 25);
console.log(`\ntargets: authenticated reads ≥ 60 % of /health: ${meetsShare ? 'met' : 'NOT met'}; p99 < 25 ms: ${meetsP99 ? 'met' : 'NOT met'}`);
cleanup();
process.exit(0);
