// Measures POST /flags/evaluate — the full truth map of one tenant over 200
// flags with every kind of rule — against GET /health, in one run, at 64
// connections, on a built platform-api with FerretDB (or MONGODB_URI).
// Also measures the same evaluation answered 304 from its ETag.
// Target: evaluation at ≥ 50 % of /health's throughput.
// `--smoke`: 20 flags, 1 s each at 8 connections, no warm-up, no target.
import autocannon from 'autocannon';
import * as jose from 'jose';
import { send, startPlatform } from '../platform.mjs';
import { knob, SMOKE, verdict } from '../shared.mjs';

const CONNECTIONS = knob('BENCH_CONNECTIONS', 64, 8);
const DURATION = knob('BENCH_SECONDS', 10, 1);
const WARMUP = SMOKE ? 0 : 3;
const FLAGS = SMOKE ? 20 : 200;

const platform = await startPlatform(jose, { RATE_LIMIT_MUTATIONS_PER_MINUTE: '100000' });
const { base } = platform;
const operator = await platform.token('bench-operator', 'operator', ['platform-admins']);
const owner = await platform.token('bench-owner', 'portal');

const tenant = await send(base, 'POST', '/tenants', owner, { slug: 'bench', name: 'Bench', plan: 'business' });
const partner = await send(base, 'POST', '/partners', operator, { slug: 'bench-partner', name: 'Bench Partner', marginPct: 10 });
await send(base, 'PUT', '/tenants/bench/partner', operator, { partner: 'bench-partner' });
const hex = (n) => n.toString(16).padStart(24, '0');
// A quarter of each rule kind; a tenant list of 50 ids that only sometimes holds this tenant; one flag in ten switched off.
for (let i = 0; i < FLAGS; i += 1) {
  const kind = ['tenants', 'plans', 'partners', 'percentage'][i % 4];
  const rules = [
    kind === 'tenants' && { type: 'tenants', tenantIds: [...Array.from({ length: 49 }, (_, j) => hex(i * 100 + j + 1)), ...(i % 8 === 0 ? [tenant.id] : [hex(i * 100 + 99)])], value: true },
    kind === 'plans' && { type: 'plans', plans: i % 8 === 1 ? ['business', 'enterprise'] : ['free'], value: true },
    kind === 'partners' && { type: 'partners', partnerIds: [i % 8 === 2 ? partner.id : hex(i)], value: true },
    { type: 'percentage', percentage: (i * 7) % 101, value: true },
  ].filter(Boolean);
  await send(base, 'POST', '/flags', operator, { key: `flag-${String(i).padStart(3, '0')}`, description: `Benchmark flag ${i}`, owner: 'bench', enabled: i % 10 !== 0, rules });
}

const evaluateBody = JSON.stringify({ tenantSlug: 'bench' });
const auth = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
const first = await fetch(`${base}/flags/evaluate`, { method: 'POST', headers: auth, body: evaluateBody });
const map = await first.json();
if (Object.keys(map.flags).length !== FLAGS) throw new Error(`expected ${FLAGS} flags, got ${Object.keys(map.flags).length}`);
const reasons = Object.values(map.flags).reduce((counts, { reason }) => ({ ...counts, [reason]: (counts[reason] ?? 0) + 1 }), {});
const etag = first.headers.get('etag');

const targets = [
  { name: 'GET /health', request: { path: '/health', method: 'GET' }, ok: 200 },
  { name: `POST /flags/evaluate (${FLAGS} flags)`, request: { path: '/flags/evaluate', method: 'POST', headers: auth, body: evaluateBody }, ok: 200 },
  { name: 'POST /flags/evaluate, If-None-Match → 304', request: { path: '/flags/evaluate', method: 'POST', headers: { ...auth, 'if-none-match': etag }, body: evaluateBody }, ok: 304 },
];

const run = (target, duration) =>
  autocannon({ url: `${base}${target.request.path}`, method: target.request.method, headers: target.request.headers, body: target.request.body, connections: CONNECTIONS, duration, expectBody: undefined });

const results = [];
for (const target of targets) {
  if (WARMUP) await run(target, WARMUP);
  const result = await run(target, DURATION);
  const answered = result[`${Math.floor(target.ok / 100)}xx`];
  if (result.errors + result.timeouts > 0 || answered !== result.requests.total || result.requests.total === 0) throw new Error(`${target.name}: not every answer was ${target.ok}`);
  results.push({ ...target, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total });
}

const health = results[0].rps;
console.log(`\nplatform-api at ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up; ${platform.database}${SMOKE ? ' (smoke: no target)' : ''}`);
console.log(`machine: ${platform.machine}`);
console.log(`truth map: ${FLAGS} flags, reasons ${JSON.stringify(reasons)}, ${JSON.stringify(map).length} bytes\n`);
console.log('| route | req/s | vs /health | p50 ms | p99 ms | requests |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${((r.rps / health) * 100).toFixed(0)} % | ${r.p50} | ${r.p99} | ${r.total} |`);
console.log(`\ntarget: evaluation ≥ 50 % of /health: ${verdict(results[1].rps >= 0.5 * health)}`);
platform.stop();
process.exit(0);
