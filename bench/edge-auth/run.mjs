// Edge authentication, Tessera against oauth2-proxy, in one run. The built
// platform (dev-idp, API, portal) as processes on FerretDB (or MONGODB_URI)
// and Podman's Docker API, one real Traefik, and oauth2-proxy (built from the
// Go module proxy) pointed at dev-idp as a generic OIDC provider. The same
// workspace container is behind the same Traefik twice: once with Tessera's
// forwardAuth (platform-api's /edge/auth, an edge session from a ticket) and
// once with oauth2-proxy's /oauth2/auth (its session cookie, from a real
// sign-in at dev-idp through oauth2-proxy). Measured:
//
// 1. latency one request at a time (p50/p95/p99), straight from the
//    container and through each auth, the three paths interleaved in rounds
//    so a change in the machine's load hits all three alike;
// 2. throughput at 16 and 64 connections (autocannon), with the CPU time the
//    auth process and Traefik spent per request, from /proc. Here the
//    upstream is a small Node server (its own process, no CPU limit) behind
//    the same two auths: the busybox workspace closes every connection, forks
//    a process for each and has half a core (its plan's limit), so it tops
//    out at a few hundred requests per second with a p99 of seconds at 64
//    connections, and a load through it would measure the workspace;
// 3. the auth process's memory (VmRSS; VmHWM, the peak) idle and after the load;
// 4. the same for a WebSocket upgrade, to a small upstream that greets with
//    one frame: each open is a new connection, timed to that first frame.
//
// CPU per request is counted above what each process spends at rest over the
// same time (platform-api polls its live events every 200 ms).
// BENCH_EDGE_PROFILE=1 also takes a CPU profile of platform-api over
// Tessera's load at the most connections (bench/api/profile.cjs) and says
// whose code the time went to.
//
// oauth2-proxy checks only that a session exists; Tessera also finds the
// tenant by host and the caller's membership in it (from the database,
// through a 5 s read cache) on every request.
// `--smoke`: 50 requests each, 1 s at 4 connections, 20 WebSocket opens, no targets.
import autocannon from 'autocannon';
import testing from '@tessera/testing/dist/index.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { descendantPid, freePort, idleCpuRates, knob, machineLine, percentile, processUsage, sleep, SMOKE, verdict } from '../shared.mjs';
import { summarizeProfile } from '../api/profile-summary.mjs';
import { signInThroughOauth2Proxy, startOauth2Proxy } from './oauth2-proxy.mjs';
import { openWebSocket, startWebSocketUpstream, websocketLoad } from './websocket.mjs';

const { DEV_IDP_CLIENTS, DevIdpProcess, TEST_REDIRECT_URI, engineCall, removeEngineObjects, startFerretDb, startPlatformStack, startTraefik } = testing;
const REQUESTS = knob('BENCH_REQUESTS', 2000, 50);
const WARMUP_REQUESTS = SMOKE ? 10 : 200;
const ROUNDS = SMOKE ? 2 : 10;
const SECONDS = knob('BENCH_SECONDS', 10, 1);
const LOAD_WARMUP_SECONDS = SMOKE ? 0 : 2;
const CONNECTIONS = SMOKE ? [4] : [16, 64];
const WS_OPENS = knob('BENCH_WS_OPENS', 600, 20);
const IDLE_SECONDS = SMOKE ? 1 : 5;
/** BENCH_EDGE_PROFILE=1: a CPU profile of platform-api over Tessera's load at the most connections (bench/api/profile.cjs). */
const profileDir = process.env.BENCH_EDGE_PROFILE === '1' ? mkdtempSync(join(tmpdir(), 'tessera-bench-edge-profile-')) : undefined;
const profileEnv = profileDir ? { NODE_OPTIONS: `--require ${resolve(import.meta.dirname, '../api/profile.cjs')}`, BENCH_API_PROFILE: profileDir } : {};
const socket = process.env.TESSERA_TEST_ENGINE_SOCKET;
if (!socket) throw new Error('TESSERA_TEST_ENGINE_SOCKET: the engine to run the workspace on (scripts/bench-edge-auth.sh starts one)');
const startedLoad = machineLine();

let ferretdb;
if (!process.env.MONGODB_URI) {
  ferretdb = await startFerretDb(process.env.FERRETDB_BIN);
  process.env.TESSERA_TEST_MONGODB_URI = ferretdb.uri;
} else process.env.TESSERA_TEST_MONGODB_URI = process.env.MONGODB_URI;

const run = Math.random().toString(16).slice(2, 8);
const slugs = { web: `web-${run}`, sock: `sock-${run}` };
const oauth2ProxyPort = await freePort();
// oauth2-proxy signs people in as the portal application; its callback is registered with dev-idp.
const stack = await startPlatformStack('bench_edge_auth', {
  engineSocket: socket,
  apiEnv: { SEED_DEFAULT_TENANT: `default-${run}`, ...profileEnv },
  idpEnv: { DEV_IDP_PORTAL_REDIRECT_URIS: [TEST_REDIRECT_URI, `http://127.0.0.1:${oauth2ProxyPort}/oauth2/callback`].join(',') },
});
let traefik;
let oauth2Proxy;
let upstream;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** GET `path` on `port` for `host`, over one kept-alive connection: status, body and the ms to the end of the body. */
const get = (port, host, headers = {}, path = '/') =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
    });
    req.on('error', reject).end();
  });

const stats = (times) => ({ p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) });

try {
  // A member and two workspaces: `web` (the busybox page) and `sock` (its route pointed at the WebSocket upstream).
  await stack.idp.createPerson('bella');
  const token = await stack.token('bella', 'portal');
  for (const slug of Object.values(slugs)) await stack.api(token, 'POST', '/tenants', { slug, name: slug, plan: 'starter' });
  for (const slug of Object.values(slugs)) {
    while ((await stack.api(token, 'GET', `/tenants/${slug}`)).status === 'pending') await sleep(100);
  }
  upstream = await startWebSocketUpstream();
  const routeFile = (slug) => join(stack.dynamicDir, `tenant-${slug}.yml`);
  const containerUrl = readFileSync(routeFile(slugs.web), 'utf8').match(/url: (http:\/\/127\.0\.0\.1:\d+)/)[1];
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  writeFileSync(routeFile(slugs.sock), readFileSync(routeFile(slugs.sock), 'utf8').replace(/url: http:\/\/127\.0\.0\.1:\d+/, `url: ${upstreamUrl}`));

  oauth2Proxy = await startOauth2Proxy({ port: oauth2ProxyPort, issuer: stack.idp.issuer('portal'), client: DEV_IDP_CLIENTS.portal });
  // The same two upstreams behind oauth2-proxy: the same forwardAuth settings as Tessera's routes, its address aside.
  const o2pHosts = { web: 'web.oauth2-proxy.test', sock: 'sock.oauth2-proxy.test' };
  writeFileSync(
    join(stack.dynamicDir, 'bench-oauth2-proxy.yml'),
    `http:
  routers:
    o2p-web: { rule: "Host(\`${o2pHosts.web}\`)", entryPoints: [websecure], service: o2p-web, middlewares: [o2p-auth] }
    o2p-sock: { rule: "Host(\`${o2pHosts.sock}\`)", entryPoints: [websecure], service: o2p-sock, middlewares: [o2p-auth] }
  services:
    o2p-web: { loadBalancer: { servers: [{ url: "${containerUrl}" }] } }
    o2p-sock: { loadBalancer: { servers: [{ url: "${upstreamUrl}" }] } }
  middlewares:
    o2p-auth:
      forwardAuth:
        address: "${oauth2Proxy.origin}/oauth2/auth"
        trustForwardHeader: false
        authResponseHeaders: [X-Auth-Request-User, X-Auth-Request-Email]
`,
  );
  traefik = await startTraefik(stack.dynamicDir);
  const tesseraHosts = { web: `${slugs.web}.tessera.test`, sock: `${slugs.sock}.tessera.test` };

  // Signed in, each its own way: Tessera's edge session from a ticket the portal would ask for; oauth2-proxy's through dev-idp's login.
  const { redirect } = await stack.api(token, 'POST', '/edge/tickets', { returnUrl: `http://${tesseraHosts.web}/` }, [200]);
  const link = new URL(redirect);
  const exchanged = await get(traefik.port, tesseraHosts.web, {}, `${link.pathname}${link.search}`);
  if (exchanged.status !== 302) throw new Error(`the edge ticket exchange answered ${exchanged.status}`);
  const tesseraCookie = exchanged.headers['set-cookie'][0].split(';')[0];
  const o2pCookie = await signInThroughOauth2Proxy(oauth2Proxy.origin, 'bella', DevIdpProcess.PASSWORD).catch((error) => {
    throw new Error(`${error.message}\noauth2-proxy's log:\n${oauth2Proxy.log()}`);
  });

  const paths = [
    { name: 'container, directly', port: Number(new URL(containerUrl).port), host: new URL(containerUrl).host, headers: {} },
    { name: "Traefik + Tessera's forwardAuth", port: traefik.port, host: tesseraHosts.web, headers: { cookie: tesseraCookie }, wsHost: tesseraHosts.sock },
    { name: "Traefik + oauth2-proxy's /oauth2/auth", port: traefik.port, host: o2pHosts.web, headers: { cookie: o2pCookie }, wsHost: o2pHosts.sock },
  ];
  const [direct, tessera, o2p] = paths;
  direct.wsPort = upstream.port;
  direct.wsHost = `127.0.0.1:${upstream.port}`;
  tessera.wsPort = o2p.wsPort = traefik.port;
  // Each path serves the page, and refuses without its session (so the auth is really in the path).
  for (const path of paths) {
    const answer = await get(path.port, path.host, path.headers);
    if (answer.status !== 200 || !answer.body.includes('Your Tessera workspace is running')) throw new Error(`${path.name}: ${answer.status}`);
    const greeting = await openWebSocket(path.wsPort, path.wsHost, path.headers);
    if (greeting.status !== 101) throw new Error(`${path.name}, WebSocket: ${greeting.status}`);
    path.greeting = greeting.message;
  }
  for (const path of [tessera, o2p]) {
    const refused = await get(path.port, path.host, {});
    if (![302, 401].includes(refused.status)) throw new Error(`${path.name} served the page without a session (${refused.status})`);
  }

  const apiPid = descendantPid('services/platform-api/dist/main.js');
  const traefikPid = descendantPid('--providers.file.directory');
  if (!apiPid || !traefikPid) throw new Error('could not find the API or Traefik process');
  const auth = { [tessera.name]: apiPid, [o2p.name]: oauth2Proxy.pid };
  const idleMemory = { [tessera.name]: processUsage(apiPid), [o2p.name]: processUsage(oauth2Proxy.pid) };
  // What each process spends with nothing asked of it (platform-api polls its live events every 200 ms), counted out of the CPU per request below.
  const [apiIdle, o2pIdle, traefikIdle] = await idleCpuRates([apiPid, oauth2Proxy.pid, traefikPid], IDLE_SECONDS);
  const idleRate = { [tessera.name]: apiIdle, [o2p.name]: o2pIdle };

  // 1. One at a time, the three paths interleaved in rounds.
  for (const path of paths) {
    path.times = [];
    for (let i = 0; i < WARMUP_REQUESTS; i += 1) await get(path.port, path.host, path.headers);
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const path of round % 2 ? [...paths].reverse() : paths) {
      for (let i = 0; i < REQUESTS / ROUNDS; i += 1) {
        const answer = await get(path.port, path.host, path.headers);
        if (answer.status !== 200) throw new Error(`${path.name}: ${answer.status}`);
        path.times.push(answer.ms);
      }
    }
  }
  for (const path of paths) path.sequential = stats(path.times);

  // 2. Under load, with the CPU the auth process and Traefik spent.
  const loads = [];
  for (const connections of CONNECTIONS) {
    for (const path of paths) {
      const options = { url: `http://127.0.0.1:${path.wsPort}/`, headers: { host: path.wsHost, ...path.headers }, connections };
      if (LOAD_WARMUP_SECONDS) await autocannon({ ...options, duration: LOAD_WARMUP_SECONDS });
      const authPid = auth[path.name];
      const before = { auth: authPid && processUsage(authPid).cpuSeconds, traefik: processUsage(traefikPid).cpuSeconds };
      const profiled = profileDir && path === tessera && connections === CONNECTIONS.at(-1);
      if (profiled) process.kill(apiPid, 'SIGWINCH');
      const result = await autocannon({ ...options, duration: SECONDS });
      if (profiled) process.kill(apiPid, 'SIGWINCH');
      if (result.non2xx + result.errors + result.timeouts > 0 || result.requests.total === 0) throw new Error(`${path.name} at ${connections} connections: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`);
      // Above what the process spends at rest over the same time.
      const perRequest = (seconds, idle) => ((seconds - idle * result.duration) * 1e6) / result.requests.total;
      loads.push({
        path: path.name,
        connections,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        profiled,
        authCpuUs: authPid ? perRequest(processUsage(authPid).cpuSeconds - before.auth, idleRate[path.name]) : null,
        traefikCpuUs: path.wsPort === traefik.port ? perRequest(processUsage(traefikPid).cpuSeconds - before.traefik, traefikIdle) : null,
      });
    }
  }

  // 4. WebSocket: opens one at a time (interleaved), then from 16 and 64 clients at once.
  for (const path of paths) {
    path.wsTimes = [];
    for (let i = 0; i < Math.min(WARMUP_REQUESTS, 50); i += 1) await openWebSocket(path.wsPort, path.wsHost, path.headers);
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const path of round % 2 ? [...paths].reverse() : paths) {
      for (let i = 0; i < WS_OPENS / ROUNDS; i += 1) {
        const answer = await openWebSocket(path.wsPort, path.wsHost, path.headers);
        if (answer.status !== 101) throw new Error(`${path.name}, WebSocket: ${answer.status}`);
        path.wsTimes.push(answer.ms);
      }
    }
  }
  for (const path of paths) path.websocket = stats(path.wsTimes);
  const wsLoads = [];
  for (const connections of CONNECTIONS) {
    for (const path of paths) {
      const authPid = auth[path.name];
      const before = authPid && processUsage(authPid).cpuSeconds;
      const result = await websocketLoad(path.wsPort, path.wsHost, path.headers, connections, SECONDS);
      const authCpuUs = authPid ? ((processUsage(authPid).cpuSeconds - before - idleRate[path.name] * result.seconds) * 1e6) / result.total : null;
      wsLoads.push({ path: path.name, connections, ...result, authCpuUs });
    }
  }
  const loadedMemory = { [tessera.name]: processUsage(apiPid), [o2p.name]: processUsage(oauth2Proxy.pid) };

  // The report.
  const ms = (v) => v.toFixed(2);
  const pct = (rate) => `${(rate * 100).toFixed(1)} %`;
  const engine = (await engineCall(socket, 'GET', '/version')).body;
  console.log(`\nEdge authentication: Tessera's forwardAuth against oauth2-proxy ${process.env.OAUTH2_PROXY_VERSION ?? ''}${SMOKE ? ' (smoke: no targets)' : ''}`);
  console.log(`Traefik ${testing.TRAEFIK_VERSION}, ${ferretdb ? 'FerretDB v1.24.2 (SQLite)' : 'MongoDB (MONGODB_URI)'}, Podman ${engine?.Version ?? '?'}, dev-idp as the OIDC provider`);
  console.log(`machine at the start: ${startedLoad}`);
  console.log(`machine at the end:   ${machineLine()}\n`);
  console.log('oauth2-proxy checks only that its session cookie is valid; Tessera also finds the tenant by host and the member in it, from the database through a 5 s read cache, on every request.\n');
  console.log(`One request at a time, ${REQUESTS} each after ${WARMUP_REQUESTS} of warm-up, in ${ROUNDS} interleaved rounds (the workspace's index page, busybox httpd):\n`);
  console.log('| path | p50 ms | p95 ms | p99 ms | added p50 | added p95 | added p99 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const path of paths) {
    const s = path.sequential;
    const added = path === direct ? ['', '', ''] : [s.p50 - direct.sequential.p50, s.p95 - direct.sequential.p95, s.p99 - direct.sequential.p99].map(ms);
    console.log(`| ${path.name} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${added.join(' | ')} |`);
  }
  const addedTessera = tessera.sequential.p50 - direct.sequential.p50;
  const addedO2p = o2p.sequential.p50 - direct.sequential.p50;
  console.log(`\nadded at p50: Tessera ${ms(addedTessera)} ms, oauth2-proxy ${ms(addedO2p)} ms: Tessera/oauth2-proxy ${(addedTessera / addedO2p).toFixed(2)} (target: at most oauth2-proxy's: ${verdict(addedTessera <= addedO2p)})\n`);
  console.log(`Under load, to a small Node upstream (the busybox workspace, half a core and a new connection per request, would be the bottleneck), ${SECONDS} s each${LOAD_WARMUP_SECONDS ? ` after ${LOAD_WARMUP_SECONDS} s of warm-up` : ''}; CPU per request from /proc (utime + stime over the run, less what the process spends at rest in the same time, / requests; at rest: platform-api ${pct(apiIdle)} of a core, oauth2-proxy ${pct(o2pIdle)}, Traefik ${pct(traefikIdle)}):\n`);
  console.log('| path | connections | req/s | p50 ms | p99 ms | auth CPU µs/req | Traefik CPU µs/req |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const l of loads) console.log(`| ${l.path}${l.profiled ? ' (profiled)' : ''} | ${l.connections} | ${l.rps.toFixed(0)} | ${l.p50} | ${l.p99} | ${l.authCpuUs?.toFixed(0) ?? '–'} | ${l.traefikCpuUs?.toFixed(0) ?? '–'} |`);
  for (const connections of CONNECTIONS) {
    const [t, o] = [tessera, o2p].map((path) => loads.find((l) => l.path === path.name && l.connections === connections));
    console.log(`\nat ${connections} connections: Tessera/oauth2-proxy throughput ${(t.rps / o.rps).toFixed(2)}, auth CPU per request ${(t.authCpuUs / o.authCpuUs).toFixed(2)}`);
  }
  console.log('\nMemory of the auth process (VmRSS, MiB; VmHWM is the peak since it started):\n');
  console.log('| auth process | idle RSS | after the load RSS | peak |');
  console.log('|---|---:|---:|---:|');
  for (const [path, what] of [[tessera, 'platform-api (the whole API, Node)'], [o2p, 'oauth2-proxy (Go)']]) {
    console.log(`| ${what} | ${idleMemory[path.name].rssMiB.toFixed(0)} | ${loadedMemory[path.name].rssMiB.toFixed(0)} | ${loadedMemory[path.name].peakMiB.toFixed(0)} |`);
  }
  console.log(`\nWebSocket upgrade, ${WS_OPENS} opens each one at a time (a new connection each, timed to the upstream's first frame), interleaved:\n`);
  console.log('| path | p50 ms | p95 ms | p99 ms | added p50 | the upstream was told |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const path of paths) console.log(`| ${path.name} | ${ms(path.websocket.p50)} | ${ms(path.websocket.p95)} | ${ms(path.websocket.p99)} | ${path === direct ? '' : ms(path.websocket.p50 - direct.websocket.p50)} | ${path.greeting} |`);
  console.log(`\nWebSocket opens from many clients at once, ${SECONDS} s each:\n`);
  console.log('| path | clients | opens/s | p50 ms | p99 ms | auth CPU µs/open |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const l of wsLoads) console.log(`| ${l.path} | ${l.connections} | ${l.perSecond.toFixed(0)} | ${ms(l.p50)} | ${ms(l.p99)} | ${l.authCpuUs?.toFixed(0) ?? '–'} |`);
  const wsAdded = [tessera, o2p].map((path) => path.websocket.p50 - direct.websocket.p50);
  console.log(`\nWebSocket added at p50: Tessera ${ms(wsAdded[0])} ms, oauth2-proxy ${ms(wsAdded[1])} ms: Tessera/oauth2-proxy ${(wsAdded[0] / wsAdded[1]).toFixed(2)}`);
  const profiledLoad = loads.find((l) => l.profiled);
  if (profiledLoad) {
    // The profile is written once the API has handled the second signal; its loop file comes last.
    for (let i = 0; i < 200 && !existsSync(join(profileDir, '1.loop.json')); i += 1) await sleep(50);
    const summary = summarizeProfile(join(profileDir, '1.cpuprofile'));
    const loop = JSON.parse(readFileSync(join(profileDir, '1.loop.json'), 'utf8'));
    const requests = profiledLoad.rps * SECONDS;
    const perRequest = (value) => ((value * 1000) / requests).toFixed(0);
    console.log(`\nWhere platform-api's time went under Tessera's load at ${profiledLoad.connections} connections (a CPU profile, self time; the profiled row above is slower for it): busy ${perRequest(summary.busyMs)} µs per request; event loop delay p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms\n`);
    console.log('| owner of the code | µs/req | share |');
    console.log('|---|---:|---:|');
    for (const [owner, value] of summary.owners.slice(0, 14)) console.log(`| ${owner} | ${perRequest(value)} | ${((value / summary.busyMs) * 100).toFixed(1)} % |`);
    console.log(`\nmost self time: ${summary.functions.slice(0, 10).map(([name, value]) => `${name} ${perRequest(value)} µs`).join('; ')}`);
  }
} finally {
  agent.destroy();
  await traefik?.stop();
  await oauth2Proxy?.stop();
  await upstream?.close();
  await stack.stop();
  await ferretdb?.stop();
  // The engine outlives the run: remove the workspaces it made.
  await removeEngineObjects(socket, [...Object.values(slugs), `default-${run}`]);
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
}
process.exit(0);
