// What the portal's BFF adds to a read. One run starts the platform as
// processes (dev-idp, the built API and portal, FerretDB or MONGODB_URI),
// signs a user in through the real login in Chromium, then reads the same
// tenant through the portal's server route (session cookie) and straight from
// the API (bearer token): first one request at a time (the latency the hop
// adds), then at 16 connections (throughput). Target: under 2 ms added at p50.
// `--smoke`: 50 requests one at a time, 1 s at 4 connections, no target.
import autocannon from 'autocannon';
import testing from '@tessera/testing/dist/index.js';
import { knob, machineLine, percentile, SMOKE, verdict } from '../shared.mjs';

const { launchChromium, signInWithBrowser, startFerretDb, startPlatformStack } = testing;
const SEQUENTIAL = knob('BENCH_REQUESTS', 2000, 50);
const WARMUP_REQUESTS = SMOKE ? 10 : 200;
const CONNECTIONS = knob('BENCH_CONNECTIONS', 16, 4);
const DURATION = knob('BENCH_SECONDS', 10, 1);

let ferretdb;
if (!process.env.MONGODB_URI) {
  ferretdb = await startFerretDb(process.env.FERRETDB_BIN);
  process.env.TESSERA_TEST_MONGODB_URI = ferretdb.uri;
} else {
  process.env.TESSERA_TEST_MONGODB_URI = process.env.MONGODB_URI;
}
const stack = await startPlatformStack('bench_portal', { engineSocket: null, apiEnv: { LOG_LEVEL: 'warn' } });
try {
  await stack.idp.createPerson('bella');
  const token = await stack.token('bella', 'portal');
  await stack.api(token, 'POST', '/tenants', { slug: 'bench', name: 'Bench' });

  const browser = await launchChromium();
  let cookie;
  try {
    const page = await (await browser.newContext()).newPage();
    await signInWithBrowser(page, stack.portalOrigin, 'bella');
    cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  } finally {
    await browser.close();
  }

  const targets = [
    { name: 'API: GET /tenants/bench (bearer)', url: `${stack.apiOrigin}/tenants/bench`, headers: { authorization: `Bearer ${token}` } },
    { name: 'portal: GET /api/tenants/bench (session cookie)', url: `${stack.portalOrigin}/api/tenants/bench`, headers: { cookie } },
  ];

  // One at a time: the latency of each path, without queueing.
  const sequential = [];
  for (const target of targets) {
    const times = [];
    for (let i = 0; i < SEQUENTIAL + WARMUP_REQUESTS; i += 1) {
      const started = performance.now();
      const response = await fetch(target.url, { headers: target.headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${target.name}: ${response.status}`);
      if (i >= WARMUP_REQUESTS) times.push(performance.now() - started);
    }
    sequential.push({ ...target, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) });
  }

  // Under load.
  const loaded = [];
  for (const target of targets) {
    if (!SMOKE) await autocannon({ url: target.url, headers: target.headers, connections: CONNECTIONS, duration: 3 });
    const result = await autocannon({ url: target.url, headers: target.headers, connections: CONNECTIONS, duration: DURATION });
    if (result.non2xx + result.errors + result.timeouts > 0 || result.requests.total === 0) throw new Error(`${target.name}: requests failed`);
    loaded.push({ ...target, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
  }

  const ms = (value) => value.toFixed(2);
  console.log(`\nBFF overhead; ${ferretdb ? 'FerretDB v1.24.2 (SQLite)' : 'MongoDB (MONGODB_URI)'}${SMOKE ? ' (smoke: no target)' : ''}`);
  console.log(`machine: ${machineLine()}\n`);
  console.log(`One request at a time, ${SEQUENTIAL} requests each after ${WARMUP_REQUESTS} of warm-up:\n`);
  console.log('| path | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of sequential) console.log(`| ${r.name} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} |`);
  const added = sequential[1].p50 - sequential[0].p50;
  console.log(`\nadded by the BFF at p50: ${ms(added)} ms (target < 2 ms: ${verdict(added < 2)})\n`);
  console.log(`${CONNECTIONS} connections, ${DURATION} s each after ${SMOKE ? 0 : 3} s warm-up:\n`);
  console.log('| path | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of loaded) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} |`);
} finally {
  await stack.stop();
  await ferretdb?.stop();
}
process.exit(0);
