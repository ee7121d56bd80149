// What the portal's BFF adds to a read. One run starts the platform as
// processes (dev-idp, the built API and portal, FerretDB or MONGODB_URI),
// signs a user in through the real login in Chromium, then reads the same
// tenant through the portal's server route (session cookie) and straight from
// the API (bearer token): first one request at a time (the latency the hop
// adds), then at 16 connections (throughput). Target: under 2 ms added at p50.
import autocannon from 'autocannon';
import testing from '@tessera/testing/dist/index.js';
import { cpus, totalmem } from 'node:os';
import { percentile } from '../shared.mjs';

const { launchChromium, signInWithBrowser, startFerretDb, startPlatformStack } = testing;
const SEQUENTIAL = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

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
  const page = await (await browser.newContext()).newPage();
  await signInWithBrowser(page, stack.portalOrigin, 'bella');
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  await browser.close();

  const targets = [
    { name: 'API: GET /tenants/bench (bearer)', url: `${stack.apiOrigin}/tenants/bench`, headers: { authorization: `Bearer ${token}` } },
    { name: 'portal: GET /api/tenants/bench (session cookie)', url: `${stack.portalOrigin}/api/tenants/bench`, headers: { cookie } },
  ];

  // One at a time: the latency of each path, without queueing.
  const sequential = [];
  for (const target of targets) {
    const times = [];
    for (let i = 0; i < SEQUENTIAL + 200; i += 1) {
      const started = performance.now();
      const response = await fetch(target.url, { headers: target.headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${target.name}: ${response.status}`);
      if (i >= 200) times.push(performance.now() - started);
    }
    sequential.push({ ...target, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) });
  }

  // Under load.
  const loaded = [];
  for (const target of targets) {
    await autocannon({ url: target.url, headers: target.headers, connections: CONNECTIONS, duration: 3 });
    const result = await autocannon({ url: target.url, headers: target.headers, connections: CONNECTIONS, duration: DURATION });
    if (result.non2xx + result.errors + result.timeouts > 0) throw new Error(`${target.name}: requests failed`);
    loaded.push({ ...target, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
  }

  const ms = (value) => value.toFixed(2);
  console.log(`\nBFF overhead; ${ferretdb ? 'FerretDB v1.24.2 (SQLite)' : 'MongoDB (MONGODB_URI)'}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}\n`);
  console.log(`One request at a time, ${SEQUENTIAL} requests each after 200 of warm-up:\n`);
  console.log('| path | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of sequential) console.log(`| ${r.name} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} |`);
  const added = sequential[1].p50 - sequential[0].p50;
  console.log(`\nadded by the BFF at p50: ${ms(added)} ms (target < 2 ms: ${added < 2 ? 'met' : 'NOT met'})\n`);
  console.log(`${CONNECTIONS} connections, ${DURATION} s each after 3 s warm-up:\n`);
  console.log('| path | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of loaded) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} |`);
} finally {
  await stack.stop();
  await ferretdb?.stop();
}
process.exit(0);
