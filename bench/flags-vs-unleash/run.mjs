// Feature-flag evaluation, Tessera against Unleash, in one run, for the same
// 200 flags (flag-set.mjs: tenant lists, plan and partner rules, gradual
// rollouts, one in ten switched off):
//
// 1. equivalence first: the truth maps of 1,000 tenants from both servers
//    (Tessera's evaluator over the stored flags and POST /flags/evaluate;
//    Unleash's frontend API and unleash-client) are compared as
//    equivalence.test.mjs does; the run stops if they are not equivalent;
// 2. over HTTP at 64 connections (autocannon), 10 s each after 3 s of
//    warm-up: Tessera's POST /flags/evaluate for one tenant (its owner's
//    token) against Unleash's frontend API for the same tenant's context
//    (a frontend token), each beside its own GET /health; CPU per request of
//    each server from /proc;
// 3. in process: Tessera's evaluator (the API's build) against unleash-client
//    (fed by the Unleash server), a whole truth map of 200 flags for each of
//    1,000 tenants in turn, in interleaved blocks; CPU time per map.
//
// `--smoke`: 20 flags, 50 tenants, 1 s at 8 connections, 2,000 maps in
// process, no target.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBoth, tesseraEvaluator, truthMaps, unleashClient } from './both.mjs';
import { compareTruthMaps, frontendQuery, tesseraSubject, unleashContext } from './flag-set.mjs';
import { TOKENS } from './unleash.mjs';
import { knob, machineLine, processUsage, SMOKE, verdict } from '../shared.mjs';

const CONNECTIONS = knob('BENCH_CONNECTIONS', 64, 8);
const SECONDS = knob('BENCH_SECONDS', 10, 1);
const WARMUP = SMOKE ? 0 : 3;
const FLAGS = SMOKE ? 20 : 200;
const TENANTS = SMOKE ? 50 : 1000;
const MAPS = knob('BENCH_MAPS', 40_000, 2_000);
const startedLoad = machineLine();

const both = await startBoth({ flagCount: FLAGS, tenantCount: TENANTS, realTenants: SMOKE ? 3 : 10 });
let client;
try {
  const { platform, unleash, owner, known, flags, tenants } = both;
  client = await unleashClient(unleash, FLAGS);

  // 1. Equivalence.
  const maps = await truthMaps(both, client);
  const comparison = compareTruthMaps(flags, tenants, maps.tessera, maps.unleash);
  if (maps.disagreements.length || comparison.mismatches.length || comparison.outside.length) {
    throw new Error(`the truth maps are not equivalent: ${JSON.stringify({ disagreements: maps.disagreements.slice(0, 3), mismatches: comparison.mismatches.slice(0, 3), outside: comparison.outside.slice(0, 3) })}`);
  }

  // 2. Over HTTP.
  const bench = known[0];
  const { apiPid } = platform;
  const evaluateBody = JSON.stringify({ tenantSlug: bench.slug });
  const targets = [
    { system: 'Tessera', name: 'GET /health', pid: apiPid, url: `${platform.base}/health`, method: 'GET', headers: {} },
    { system: 'Tessera', name: `POST /flags/evaluate (${FLAGS} flags, one tenant)`, pid: apiPid, url: `${platform.base}/flags/evaluate`, method: 'POST', headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' }, body: evaluateBody },
    { system: 'Unleash', name: 'GET /health', pid: unleash.pid, url: `${unleash.url}/health`, method: 'GET', headers: {} },
    { system: 'Unleash', name: `GET /api/frontend (${FLAGS} flags, the same tenant)`, pid: unleash.pid, url: `${unleash.url}/api/frontend?${frontendQuery(bench)}`, method: 'GET', headers: { authorization: TOKENS.frontend } },
  ];
  for (const target of targets) {
    const sample = await fetch(target.url, { method: target.method, headers: target.headers, body: target.body });
    target.bytes = (await sample.arrayBuffer()).byteLength;
    if (sample.status !== 200) throw new Error(`${target.system} ${target.name}: ${sample.status}`);
  }
  const http = [];
  for (const target of targets) {
    const options = { url: target.url, method: target.method, headers: target.headers, body: target.body, connections: CONNECTIONS };
    if (WARMUP) await autocannon({ ...options, duration: WARMUP });
    const before = processUsage(target.pid).cpuSeconds;
    const result = await autocannon({ ...options, duration: SECONDS });
    if (result.non2xx + result.errors + result.timeouts > 0 || result.requests.total === 0) throw new Error(`${target.system} ${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`);
    http.push({ ...target, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuUs: ((processUsage(target.pid).cpuSeconds - before) * 1e6) / result.requests.total });
  }
  const memory = { Tessera: processUsage(apiPid), Unleash: processUsage(unleash.pid) };

  // 3. In process: whole truth maps, the tenants in turn, the two evaluators in interleaved blocks.
  const stored = maps.storedFlags;
  const subjects = tenants.map(tesseraSubject);
  const contexts = tenants.map(unleashContext);
  const keys = flags.map((flag) => flag.key);
  const evaluators = {
    Tessera: (i) => tesseraEvaluator.evaluateAll(stored, subjects[i % subjects.length], null),
    Unleash: (i) => {
      const map = {};
      const context = contexts[i % contexts.length];
      for (const key of keys) map[key] = client.isEnabled(key, context);
      return map;
    },
  };
  const cpu = { Tessera: 0, Unleash: 0 };
  const wall = { Tessera: 0, Unleash: 0 };
  const BLOCK = 1000;
  for (const name of Object.keys(evaluators)) for (let i = 0; i < BLOCK; i += 1) evaluators[name](i); // warm-up (JIT)
  for (let done = 0; done < MAPS; done += BLOCK) {
    for (const name of done % (2 * BLOCK) ? ['Unleash', 'Tessera'] : ['Tessera', 'Unleash']) {
      const [cpuBefore, wallBefore] = [process.cpuUsage(), performance.now()];
      for (let i = done; i < done + BLOCK; i += 1) evaluators[name](i);
      const used = process.cpuUsage(cpuBefore);
      cpu[name] += used.user + used.system;
      wall[name] += performance.now() - wallBefore;
    }
  }

  // The report.
  const health = (system) => http.find((r) => r.system === system && r.name === 'GET /health').rps;
  console.log(`\nFeature flags: Tessera against Unleash ${unleash.version} (PostgreSQL ${unleash.postgres.version}), ${FLAGS} flags${SMOKE ? ' (smoke: no target)' : ''}`);
  console.log(`Tessera: platform-api on ${platform.database}; Unleash: unleash-server ${unleash.version}, unleash-client ${JSON.parse(readFileSync(join(import.meta.dirname, 'node_modules/unleash-client/package.json'), 'utf8')).version}`);
  console.log(`machine at the start: ${startedLoad}`);
  console.log(`machine at the end:   ${machineLine()}\n`);
  console.log(`Equivalence, ${TENANTS} tenants × ${FLAGS} flags: ${comparison.exactCells} cells decided by a kill switch or a rule, all identical in both; ${comparison.rolloutCells} decided by a rollout, every flag's share within tolerance in both (the two pick the same tenants in ${comparison.agreeing}, ${((100 * comparison.agreeing) / comparison.rolloutCells).toFixed(0)} %: the buckets differ, see flag-set.mjs).\n`);
  console.log(`Over HTTP, ${CONNECTIONS} connections, ${SECONDS} s each${WARMUP ? ` after ${WARMUP} s of warm-up` : ''}; server CPU per request from /proc:\n`);
  console.log('| system | request | answer bytes | req/s | vs its /health | p50 ms | p99 ms | server CPU µs/req |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of http) console.log(`| ${r.system} | ${r.name} | ${r.bytes} | ${r.rps.toFixed(0)} | ${((100 * r.rps) / health(r.system)).toFixed(0)} % | ${r.p50} | ${r.p99} | ${r.cpuUs.toFixed(0)} |`);
  const [tesseraEvaluate, unleashFrontend] = [http[1], http[3]];
  console.log(`\nevaluation throughput Tessera/Unleash: ${(tesseraEvaluate.rps / unleashFrontend.rps).toFixed(2)}; server CPU per request Tessera/Unleash: ${(tesseraEvaluate.cpuUs / unleashFrontend.cpuUs).toFixed(2)} (target: Tessera's throughput at least Unleash's: ${verdict(tesseraEvaluate.rps >= unleashFrontend.rps)})`);
  console.log(`memory after the load (VmRSS / peak VmHWM, MiB): platform-api ${memory.Tessera.rssMiB.toFixed(0)} / ${memory.Tessera.peakMiB.toFixed(0)}, unleash-server ${memory.Unleash.rssMiB.toFixed(0)} / ${memory.Unleash.peakMiB.toFixed(0)}\n`);
  console.log(`In process, ${MAPS} truth maps of ${FLAGS} flags each, the ${TENANTS} tenants in turn, blocks of ${BLOCK} interleaved:\n`);
  console.log('| evaluator | CPU µs per map | wall µs per map | maps per CPU second |');
  console.log('|---|---:|---:|---:|');
  for (const name of ['Tessera', 'Unleash']) console.log(`| ${name === 'Tessera' ? "Tessera's evaluateAll (the API's build)" : 'unleash-client isEnabled × ' + FLAGS} | ${(cpu[name] / MAPS).toFixed(1)} | ${((1000 * wall[name]) / MAPS).toFixed(1)} | ${((MAPS * 1e6) / cpu[name]).toFixed(0)} |`);
  console.log(`\nin process, CPU per map Tessera/Unleash: ${(cpu.Tessera / cpu.Unleash).toFixed(2)}`);
} finally {
  client?.destroy();
  await both.stop();
}
process.exit(0);
