// Measures GET /health, authenticated GET /users/me and GET /tenants/:slug in
// one run, at 64 connections, against a built platform-api on FerretDB (or
// MONGODB_URI), with tokens from a local issuer serving a real RSA JWKS.
// Prints a Markdown table for docs/benchmarks.md and the ratios to /health,
// with the API's CPU time per request (utime + stime from /proc).
//
// BENCH_API_PROCESSES=1,2 measures the API as one process and as two worker
// processes sharing its port (Node's cluster, bench/api/cluster.cjs), each
// route on each in turn, so both see the same machine; p99 is compared.
// BENCH_API_PROFILE=1 takes a CPU profile and the event loop's delay of the
// one-process API over each route's measured window (bench/api/profile.cjs)
// and says where the time went.
// `--smoke`: 1 s each at 8 connections, no warm-up, no targets; one process,
// profiled (a cluster would add ~12 s of start-up to CI for little).
import autocannon from 'autocannon';
import * as jose from 'jose';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform } from '../platform.mjs';
import { knob, sleep, SMOKE, treeCpuSeconds, verdict } from '../shared.mjs';
import { summarizeProfile } from './profile-summary.mjs';

const CONNECTIONS = knob('BENCH_CONNECTIONS', 64, 8);
const DURATION = knob('BENCH_SECONDS', 10, 1);
const WARMUP = SMOKE ? 0 : 3;
const PROCESS_COUNTS = SMOKE ? [1] : (process.env.BENCH_API_PROCESSES ?? '1').split(',').map(Number);
const PROFILE = SMOKE || process.env.BENCH_API_PROFILE === '1';
const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'tessera-bench-profile-')) : undefined;

const variants = [];
try {
  for (const processes of PROCESS_COUNTS) {
    const profiled = PROFILE && processes === 1;
    const nodeArgs = [...(process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(profiled ? ['--require', join(import.meta.dirname, 'profile.cjs')] : [])];
    const platform = await startPlatform(jose, profiled ? { BENCH_API_PROFILE: profileDir } : {}, { processes, nodeArgs });
    const token = await platform.token('bench-user', 'portal');
    const auth = { authorization: `Bearer ${token}` };
    const created = await fetch(`${platform.base}/tenants`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ slug: 'bench', name: 'Bench' }) });
    if (created.status !== 201 && created.status !== 409) throw new Error(`could not create the bench tenant: ${created.status}`);
    variants.push({ name: processes === 1 ? '1 process' : `${processes} processes (cluster)`, processes, profiled, platform, auth, results: [] });
  }

  const routes = [
    { name: 'GET /health', path: '/health', authenticated: false },
    { name: 'GET /users/me', path: '/users/me', authenticated: true },
    { name: 'GET /tenants/:slug', path: '/tenants/bench', authenticated: true },
  ];
  const run = (variant, route, duration) =>
    autocannon({ url: `${variant.platform.base}${route.path}`, headers: route.authenticated ? variant.auth : {}, connections: CONNECTIONS, duration });

  let windows = 0;
  for (const route of routes) {
    for (const variant of variants) {
      if (WARMUP) await run(variant, route, WARMUP);
      if (variant.profiled) {
        // The window opens once the profiler runs: measured before that, a loaded machine saw no request answered in a 1 s smoke window.
        process.kill(variant.platform.apiPid, 'SIGWINCH');
        const started = join(profileDir, `${windows + 1}.started`);
        for (let i = 0; i < 1200 && !existsSync(started); i += 1) await sleep(50);
        if (!existsSync(started)) throw new Error(`the API's profiler did not start within a minute (window ${windows + 1})`);
      }
      const cpuBefore = treeCpuSeconds(variant.platform.apiPid);
      const result = await run(variant, route, DURATION);
      if (variant.profiled) {
        process.kill(variant.platform.apiPid, 'SIGWINCH');
        windows += 1;
      }
      const cpuSeconds = treeCpuSeconds(variant.platform.apiPid) - cpuBefore;
      const bad = result.non2xx + result.errors + result.timeouts;
      if (bad > 0 || result.requests.total === 0) throw new Error(`${route.name} on ${variant.name}: ${bad} of ${result.requests.total} requests failed`);
      variant.results.push({ ...route, window: variant.profiled ? windows : undefined, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total, cpuUs: (cpuSeconds * 1e6) / result.requests.total });
    }
  }

  const { database, machine } = variants[0].platform;
  console.log(`\nplatform-api at ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up; ${database}${SMOKE ? ' (smoke: no targets)' : ''}`);
  console.log(`machine: ${machine}\n`);
  for (const variant of variants) {
    const health = variant.results[0].rps;
    if (variants.length > 1 || variant.profiled) console.log(`${variant.name}${variant.profiled ? ', profiled (a CPU profile is being taken: slower than without)' : ''}:\n`);
    console.log('| route | req/s | vs /health | p50 ms | p99 ms | API CPU µs/req | requests |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of variant.results) {
      console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${((r.rps / health) * 100).toFixed(0)} % | ${r.p50} | ${r.p99} | ${r.cpuUs.toFixed(0)} | ${r.total} |`);
    }
    const authed = variant.results.filter((r) => r.authenticated);
    const meetsShare = authed.every((r) => r.rps >= 0.6 * health);
    const meetsP99 = authed.every((r) => r.p99 < 25);
    console.log(`\ntargets: authenticated reads ≥ 60 % of /health: ${verdict(meetsShare)}; p99 < 25 ms: ${verdict(meetsP99)}\n`);
  }
  if (variants.length > 1) {
    const [first, ...others] = variants;
    for (const other of others) {
      const ratios = other.results.map((r, i) => `${r.name} p99 ${(r.p99 / first.results[i].p99).toFixed(2)}, req/s ${(r.rps / first.results[i].rps).toFixed(2)}`);
      console.log(`${other.name} against ${first.name}, same run: ${ratios.join('; ')}\n`);
    }
  }
  const profiled = variants.find((v) => v.profiled);
  if (profiled) {
    console.log(`Where the one-process API's time went (a CPU profile over each measured window, self time; the event loop's delay from monitorEventLoopDelay):\n`);
    for (const r of profiled.results) {
      // The profile is written when the API has handled the second signal; its loop file comes last.
      // On a loaded machine the profiler can take many seconds to stop and write it.
      const written = () => existsSync(join(profileDir, `${r.window}.loop.json`)) && existsSync(join(profileDir, `${r.window}.cpuprofile`));
      for (let i = 0; i < 1200 && !written(); i += 1) await sleep(50);
      if (!written()) {
        console.log(`${r.name}: its profile was not written within a minute of the window's end; not summarized\n`);
        continue;
      }
      const summary = summarizeProfile(join(profileDir, `${r.window}.cpuprofile`));
      const loop = JSON.parse(readFileSync(join(profileDir, `${r.window}.loop.json`), 'utf8'));
      const perRequest = (ms) => ((ms * 1000) / r.total).toFixed(0);
      console.log(`${r.name}: busy ${perRequest(summary.busyMs)} µs per request (${((summary.busyMs / (summary.busyMs + summary.idleMs)) * 100).toFixed(0)} % of the window); event loop delay p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms\n`);
      console.log('| owner of the code | µs/req | share |');
      console.log('|---|---:|---:|');
      for (const [owner, ms] of summary.owners.slice(0, 12)) console.log(`| ${owner} | ${perRequest(ms)} | ${((ms / summary.busyMs) * 100).toFixed(1)} % |`);
      console.log(`\nmost self time: ${summary.functions.slice(0, 8).map(([name, ms]) => `${name} ${perRequest(ms)} µs`).join('; ')}\n`);
    }
  }
} finally {
  for (const variant of variants) variant.platform.stop();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
}
process.exit(0);
