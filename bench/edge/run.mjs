// The edge, measured in one run: the built platform (dev-idp, API, portal) as
// processes on FerretDB (or MONGODB_URI) and Podman's Docker API, a real
// Traefik on the API's route files. (1) The same page of a running workspace
// one request at a time, straight from its container and through Traefik with
// forwardAuth (a signed-in member): what the edge adds, p50 and p95; target
// under 3 ms at p50. (2) Wake: a workspace put to sleep after 1 s idle (more
// with a delayed start, below), then asked for through Traefik every 100 ms
// until it answers: the time from the first request to the first byte of the
// page; target under 3 s.
// BENCH_WORKSPACE_START_DELAY_S=1: every workspace's web server starts 1 s
// after its container (as Sablier's test image does), and the report puts
// Sablier's published figures beside the wake.
// `--smoke`: 50 requests each after 10 of warm-up, one wake of a workspace
// that starts 1 s late, no targets.
import testing from '@tessera/testing/dist/index.js';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { knob, machineLine, percentile, sleep, SMOKE, verdict } from '../shared.mjs';

const { removeEngineObjects, startFerretDb, startPlatformStack, startTraefik } = testing;
const REQUESTS = knob('BENCH_REQUESTS', 2000, 50);
const WARMUP_REQUESTS = SMOKE ? 10 : 200;
const WAKES = knob('BENCH_WAKES', 10, 1);
/**
 * Seconds the workspace waits before its web server starts (default 0: busybox
 * httpd answers at once; 1 in smoke mode, so the delayed start keeps working),
 * to wake a workspace that starts about as slowly as another tool's test image
 * (Sablier's mimic: 1 s). ${IFS} because the API splits WORKSPACE_COMMAND on spaces.
 */
const START_DELAY_S = Number(process.env.BENCH_WORKSPACE_START_DELAY_S ?? (SMOKE ? 1 : 0));
const startDelayed = START_DELAY_S > 0 ? { WORKSPACE_COMMAND: `/bin/sh -c sleep\${IFS}${START_DELAY_S};exec\${IFS}/bin/busybox\${IFS}httpd\${IFS}-f\${IFS}-p\${IFS}8080\${IFS}-h\${IFS}/srv` } : {};
/**
 * The free plan's idle time: 1 s, or 2 s more than the delayed start. The idle
 * pass does not spare a workspace that is being woken, and a wake counts as
 * activity when it starts: with an idle time shorter than the start, the
 * workspace is put back to sleep before it answers, and the wake waits out its
 * 15 s (seen: ~16 s wakes with a 1 s start and 1 s of idle).
 */
const IDLE_SECONDS = START_DELAY_S > 0 ? Math.ceil(START_DELAY_S) + 2 : 1;
const socket = process.env.TESSERA_TEST_ENGINE_SOCKET;
if (!socket) throw new Error('TESSERA_TEST_ENGINE_SOCKET: the engine to run workspaces on (scripts/bench-edge.sh starts one)');

let ferretdb;
if (!process.env.MONGODB_URI) {
  ferretdb = await startFerretDb(process.env.FERRETDB_BIN);
  process.env.TESSERA_TEST_MONGODB_URI = ferretdb.uri;
} else process.env.TESSERA_TEST_MONGODB_URI = process.env.MONGODB_URI;

const run = Math.random().toString(16).slice(2, 8);
const stack = await startPlatformStack('bench_edge', {
  engineSocket: socket,
  apiEnv: { LOG_LEVEL: 'warn', WORKSPACE_IDLE_SECONDS: '0', WORKSPACE_IDLE_SECONDS_FREE: String(IDLE_SECONDS), WORKSPACE_IDLE_CHECK_SECONDS: '1', SEED_DEFAULT_TENANT: `default-${run}`, ...startDelayed },
});
let traefik;
const slugs = { busy: `busy-${run}`, dozy: `dozy-${run}` };
/** GET through Traefik for `host`: status and the ms to the first byte. */
const viaEdge = (host, headers) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port: traefik.port, path: '/', headers: { host, ...headers } }, (res) => {
      const firstByte = performance.now() - started;
      res.resume().on('end', () => resolve({ status: res.statusCode, ms: firstByte, setCookie: res.headers['set-cookie'] }));
    });
    req.on('error', reject).end();
  });
try {
  await stack.idp.createPerson('bella');
  const token = await stack.token('bella', 'portal');
  await stack.api(token, 'POST', '/tenants', { slug: slugs.busy, name: 'Busy', plan: 'starter' });
  await stack.api(token, 'POST', '/tenants', { slug: slugs.dozy, name: 'Dozy', plan: 'free' });
  for (const slug of Object.values(slugs)) {
    while ((await stack.api(token, 'GET', `/tenants/${slug}`)).status === 'pending') await sleep(100);
  }
  traefik = await startTraefik(stack.dynamicDir);
  const host = (slug) => `${slug}.tessera.test`;
  const { redirect } = await stack.api(token, 'POST', '/edge/tickets', { returnUrl: `http://${host(slugs.busy)}/` }, [200]);
  const link = new URL(redirect);
  const exchanged = await new Promise((resolve, reject) =>
    request({ host: '127.0.0.1', port: traefik.port, path: `${link.pathname}${link.search}`, headers: { host: host(slugs.busy) } }, (res) => (res.resume(), resolve(res))).on('error', reject).end(),
  );
  const cookie = exchanged.headers['set-cookie'][0].split(';')[0];
  const route = readFileSync(join(stack.dynamicDir, `tenant-${slugs.busy}.yml`), 'utf8');
  const direct = route.match(/url: (http:\/\/127\.0\.0\.1:\d+)/)[1];
  // A container just started may not listen yet: wait until it answers before timing anything.
  for (let tries = 0; ; tries += 1) {
    const answered = await fetch(direct).then((r) => r.arrayBuffer().then(() => true), () => false);
    if (answered) break;
    if (tries >= 100) throw new Error(`the workspace at ${direct} never answered`);
    await sleep(100);
  }

  const measure = async (name, once) => {
    const times = [];
    for (let i = 0; i < REQUESTS + WARMUP_REQUESTS; i += 1) {
      const ms = await once();
      if (i >= WARMUP_REQUESTS) times.push(ms);
    }
    return { name, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
  };
  const straight = await measure('container, directly', async () => {
    const started = performance.now();
    const response = await fetch(direct);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`direct: ${response.status}`);
    return performance.now() - started;
  });
  const edged = await measure('through Traefik + forwardAuth', async () => {
    const started = performance.now();
    const answer = await viaEdge(host(slugs.busy), { cookie });
    if (answer.status !== 200) throw new Error(`edge: ${answer.status}`);
    return performance.now() - started;
  });

  const wakes = [];
  const dozyCookie = cookie; // the session covers every subdomain of the base domain
  for (let i = 0; i < WAKES; i += 1) {
    while ((await stack.api(token, 'GET', `/tenants/${slugs.dozy}`)).status !== 'sleeping') await sleep(200);
    const started = performance.now();
    for (;;) {
      const answer = await viaEdge(host(slugs.dozy), { cookie: dozyCookie });
      if (answer.status === 200) {
        wakes.push(performance.now() - started);
        break;
      }
      if (answer.status !== 503) throw new Error(`wake: ${answer.status}`);
      await sleep(100);
    }
  }

  const ms = (v) => v.toFixed(2);
  console.log(`\nEdge overhead and wake; ${ferretdb ? 'FerretDB v1.24.2 (SQLite)' : 'MongoDB (MONGODB_URI)'}, Podman's Docker API, Traefik ${testing.TRAEFIK_VERSION}${SMOKE ? ' (smoke: no targets)' : ''}`);
  console.log(`machine: ${machineLine()}\n`);
  console.log(`One request at a time, ${REQUESTS} requests each after ${WARMUP_REQUESTS} of warm-up (the workspace's index page, busybox httpd):\n`);
  console.log('| path | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of [straight, edged]) console.log(`| ${r.name} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} |`);
  const added50 = edged.p50 - straight.p50;
  console.log(`\nadded by the edge: p50 ${ms(added50)} ms (target < 3 ms: ${verdict(added50 < 3)}), p95 ${ms(edged.p95 - straight.p95)} ms\n`);
  console.log(`Wake, ${WAKES} times (sleep after ${IDLE_SECONDS} s idle, then a request every 100 ms through Traefik until the page answers)${START_DELAY_S ? `, a workspace whose web server starts ${START_DELAY_S} s after its container` : ''}:\n`);
  console.log(`first request → first byte of the page: ${wakes.map((w) => `${Math.round(w)} ms`).join(', ')}; median ${Math.round(percentile(wakes, 50))} ms, worst ${Math.round(Math.max(...wakes))} ms (target < 3 s: ${verdict(Math.max(...wakes) < 3000)})`);
  if (START_DELAY_S) {
    // On paper: Sablier cannot be built here (the module proxy refuses it), so its own published figures, from another machine.
    console.log(`\nSablier, as published (docs/content/reference/performance.md and benchmarks/README.md of sablierapp/sablier; i7-8559U, macOS, Docker Desktop, not this machine):`);
    console.log('its test image sablierapp/mimic:v0.3.3 with -running-after=1s (serves 1 s after it starts); blocking strategy, cold: the one waking request of 3 took 5.02 s;');
    console.log('warm, straight to its API at 10 connections: p50 1.54 ms (blocking), 1.81 ms (dynamic), p99 4.94 / 4.62 ms.');
    console.log(`Tessera's median wake here / Sablier's published waking request: ${(percentile(wakes, 50) / 5020).toFixed(2)} (target: Tessera's median at most Sablier's: ${verdict(percentile(wakes, 50) <= 5020)})`);
  }
} finally {
  await traefik?.stop();
  await stack.stop();
  await ferretdb?.stop();
  // The engine outlives the run: remove the workspaces it made.
  await removeEngineObjects(socket, [...Object.values(slugs), `default-${run}`]);
}
process.exit(0);
