// Measures GET /health, authenticated GET /users/me and GET /tenants/:slug in
// one run, at 64 connections, against a built platform-api on FerretDB (or
// MONGODB_URI), with tokens from a local issuer serving a real RSA JWKS.
// Prints a Markdown table for docs/benchmarks.md and the ratios to /health.
// `--smoke`: 1 s each at 8 connections, no warm-up, no targets.
import autocannon from 'autocannon';
import * as jose from 'jose';
import { startPlatform } from '../platform.mjs';
import { knob, SMOKE, verdict } from '../shared.mjs';

const CONNECTIONS = knob('BENCH_CONNECTIONS', 64, 8);
const DURATION = knob('BENCH_SECONDS', 10, 1);
const WARMUP = SMOKE ? 0 : 3;

const platform = await startPlatform(jose);
const { base, database } = platform;
const token = await platform.token('bench-user', 'portal');

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
  if (WARMUP) await run(target, WARMUP);
  const result = await run(target, DURATION);
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0 || result.requests.total === 0) throw new Error(`${target.name}: ${bad} of ${result.requests.total} requests failed`);
  results.push({ ...target, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total });
}

const health = results[0].rps;
console.log(`\nplatform-api at ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up; ${database}${SMOKE ? ' (smoke: no targets)' : ''}`);
console.log(`machine: ${platform.machine}\n`);
console.log('| route | req/s | vs /health | p50 ms | p99 ms | requests |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${((r.rps / health) * 100).toFixed(0)} % | ${r.p50} | ${r.p99} | ${r.total} |`);
}
const authed = results.slice(1);
const meetsShare = authed.every((r) => r.rps >= 0.6 * health);
const meetsP99 = authed.every((r) => r.p99 < 25);
console.log(`\ntargets: authenticated reads ≥ 60 % of /health: ${verdict(meetsShare)}; p99 < 25 ms: ${verdict(meetsP99)}`);
platform.stop();
process.exit(0);
