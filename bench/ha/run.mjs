// Kill under load: 2 platform-api processes on one database (FerretDB, or
// MONGODB_URI) behind an internal address, 2 Traefiks reading the routes
// from it (EDGE_ROUTES=http), steady traffic, then one API process and one
// Traefik killed (SIGKILL) and started again.
//
// Traffic, for BENCH_SECONDS (default 60; the kills at 1/4, the restarts at 1/2):
// - reads: GET of a tenant's host through the Traefiks (forwardAuth on the
//   API answers the sign-in redirect, 302: Traefik, the route and the API
//   all take part), by BENCH_CONNECTIONS loops (default 16);
// - writes: POST /tenants through the internal address, one loop; every
//   write answered 201 must be there at the end.
// The internal address (in front of the API processes) and the clients'
// address (in front of the Traefiks) are what a load balancer gives: round
// robin over what answers; a connection refused is tried on each other target
// once, and so is a read that met a reset on a kept-alive connection to a
// process that has gone (HAProxy's `retry-on conn-failure empty-response`).
// A request already sent to a process
// or Traefik that is killed fails: that is the in-flight loss the target
// allows. Prints the failed requests, the seconds in which any failed, and
// whether both came back, as Markdown for docs/benchmarks.md.
// `--smoke`: 6 s, 2 loops, no targets.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiEnvironment } from '../platform.mjs';
import { freePort, knob, machineLine, sleep, SMOKE, verdict, waitFor } from '../shared.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const SECONDS = knob('BENCH_SECONDS', 60, 6);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 16, 2);
const TRAEFIK_VERSION = process.env.TRAEFIK_VERSION ?? '3.6.12';
const TRAEFIK_BIN = process.env.TRAEFIK_BIN || join(process.env.TESSERA_TOOLS || join(ROOT, '.tools'), `traefik-${TRAEFIK_VERSION}`, 'traefik');
const SECRET = randomBytes(24).toString('hex');
const READY_HOST = 'edge-ready.tessera.invalid';

const work = mkdtempSync(join(tmpdir(), 'tessera-bench-ha-'));
const children = new Set();
const track = (child) => (children.add(child), child.once('exit', () => children.delete(child)), child);
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

// --- a token issuer: one RSA key at Authentik's paths (node:crypto, no dependency) ---
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' };
const issuerServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
await new Promise((r) => issuerServer.listen(0, '127.0.0.1', r));
issuerServer.unref();
const issuerOf = (audience) => `http://127.0.0.1:${issuerServer.address().port}/application/o/${audience}/`;
const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
function token(sub, audience) {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'RS256', kid: 'bench', typ: 'JWT' })}.${b64({ sub, email: `${sub}@example.test`, name: sub, groups: [], iss: issuerOf(audience), aud: `tessera-${audience}`, iat: now, exp: now + 3600 })}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url')}`;
}

// --- the database ---
let mongodbUri = process.env.MONGODB_URI;
let database = 'MongoDB (MONGODB_URI)';
if (!mongodbUri) {
  const port = await freePort();
  track(spawn(process.env.FERRETDB_BIN, ['--handler=sqlite', `--sqlite-url=file:${work}/`, `--state-dir=${work}`, `--listen-addr=127.0.0.1:${port}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=ERROR'], { stdio: 'inherit' }));
  mongodbUri = `mongodb://127.0.0.1:${port}/bench_ha`;
  database = 'FerretDB v1.24.2 (SQLite)';
  await sleep(500);
}

// --- a load balancer: round robin over the targets that answer; a refused connection goes to the next ---
function balancer(name, targets) {
  let next = 0;
  /** Targets being started again: out of the rotation until ready, as a load balancer's health check keeps them. */
  const starting = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // This request's order of targets: round robin for the first, then each other one once (not the next in the
      // shared rotation, which other requests move on meanwhile and could name the refused target again).
      const first = next++;
      const rotation = targets.map((_, i) => targets[(first + i) % targets.length]);
      const order = rotation.filter((port) => !starting.has(port));
      if (order.length === 0) order.push(...rotation);
      const attempt = (tries) => {
        const port = order[tries];
        const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', (error) => {
          // Refused: nothing was sent. Reset on a kept-alive connection of a process that has gone: what Node's docs
          // say to retry (reusedSocket), for a read only, since a write may have been taken.
          const unsent = error.code === 'ECONNREFUSED' || (error.code === 'ECONNRESET' && upstream.reusedSocket && (req.method === 'GET' || req.method === 'HEAD'));
          if (unsent && tries + 1 < order.length) return attempt(tries + 1);
          if (!res.headersSent) res.writeHead(502).end(`${name}: ${error.code}`);
          else res.destroy();
        });
        upstream.end(body);
      };
      attempt(0);
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, port: server.address().port, starting })));
}

// --- the API processes ---
const apiPorts = [await freePort(), await freePort()];
const internal = await balancer('internal address', apiPorts);
const apiEnv = (port) => ({
  ...apiEnvironment({ port, mongodbUri, issuerOf }),
  EDGE_ROUTES: 'http',
  EDGE_ROUTES_SECRET: SECRET,
  EDGE_FORWARD_AUTH_URL: `http://127.0.0.1:${internal.port}/edge/auth`,
  EDGE_LOGIN_URL: 'https://portal.tessera.test/edge/start',
  BASE_DOMAIN: 'tessera.test',
  SEED_DEFAULT_TENANT: 'bench-default',
  // No container engine: the routes, the edge's answers and the writes are what is measured.
  CONTAINER_ENGINE_SOCKET: '',
  WORKSPACE_IDLE_CHECK_SECONDS: '0',
  RATE_LIMIT_MUTATIONS_PER_MINUTE: '100000',
  LOG_LEVEL: 'warn',
});
const apis = [null, null];
async function startApi(index) {
  internal.starting.add(apiPorts[index]);
  apis[index] = track(spawn(process.execPath, ['dist/main.js'], { cwd: join(ROOT, 'services/platform-api'), stdio: ['ignore', 'ignore', 'inherit'], env: apiEnv(apiPorts[index]) }));
  await waitFor(`http://127.0.0.1:${apiPorts[index]}/health/ready`, apis[index]);
  internal.starting.delete(apiPorts[index]);
}
await startApi(0);
await startApi(1);

// --- the Traefiks, each reading the routes through the internal address ---
const edgePorts = [0, 1].map(() => ({ web: 0, ping: 0 }));
for (const ports of edgePorts) [ports.web, ports.ping] = [await freePort(), await freePort()];
const traefiks = [null, null];
let clients;
async function startTraefik(index) {
  const { web, ping } = edgePorts[index];
  clients?.starting.add(web);
  traefiks[index] = track(
    spawn(TRAEFIK_BIN, [
      // The routes are served on the entry point the API names (websecure), here without TLS.
      `--entryPoints.websecure.address=127.0.0.1:${web}`,
      `--entryPoints.ping.address=127.0.0.1:${ping}`,
      '--ping=true',
      '--ping.entryPoint=ping',
      `--providers.http.endpoint=http://127.0.0.1:${internal.port}/edge/routes`,
      '--providers.http.pollInterval=1s',
      '--providers.http.pollTimeout=5s',
      `--providers.http.headers.X-Tessera-Edge-Secret=${SECRET}`,
      '--log.level=ERROR',
    ], { stdio: ['ignore', 'ignore', 'ignore'] }),
  );
  // Ready once its readiness router (in the same document as every route) answers.
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if ((await ask(web, READY_HOST).catch(() => 0)) === 200) return void clients?.starting.delete(web);
    await sleep(100);
  }
  throw new Error(`Traefik ${index + 1} did not load the routes`);
}
clients = await balancer('clients', edgePorts.map((ports) => ports.web));

/** GET / on `host` through the port; the status (0: no answer). */
function ask(port, host) {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host, accept: 'text/html' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

// --- a tenant to read, routed on both Traefiks ---
const owner = token('bench-owner', 'portal');
const post = (path, body) =>
  fetch(`http://127.0.0.1:${internal.port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    (answer) => answer.status,
    () => 0,
  );
if ((await post('/tenants', { slug: 'bench-read', name: 'Read' })) !== 201) throw new Error('could not create the tenant read through the edge');
await startTraefik(0);
await startTraefik(1);
for (let attempt = 0; ; attempt += 1) {
  const statuses = await Promise.all(edgePorts.map((ports) => ask(ports.web, 'bench-read.tessera.test')));
  if (statuses.every((status) => status === 302)) break;
  if (attempt > 300) throw new Error(`the tenant is not routed on both Traefiks: ${statuses.join(', ')}`);
  await sleep(100);
}

// --- the load, the kills and the restarts ---
const started = performance.now();
const second = () => Math.floor((performance.now() - started) / 1000);
const reads = { ok: 0, failed: 0 };
const writes = { ok: 0, failed: 0 };
const failedSeconds = new Set();
const acknowledged = [];
const events = [];
let running = true;
const readLoop = async () => {
  while (running) {
    const status = await ask(clients.port, 'bench-read.tessera.test');
    if (status === 302) {
      reads.ok += 1;
    } else {
      reads.failed += 1;
      failedSeconds.add(second());
    }
  }
};
const writeLoop = async () => {
  for (let n = 0; running; n += 1) {
    const slug = `bench-w${n}-${randomBytes(2).toString('hex')}`;
    const status = await post('/tenants', { slug, name: `Write ${n}` });
    if (status === 201) {
      writes.ok += 1;
      acknowledged.push(slug);
    } else {
      writes.failed += 1;
      failedSeconds.add(second());
    }
  }
};
const loops = [...Array.from({ length: CONNECTIONS }, readLoop), writeLoop()];
const at = (fraction) => sleep(Math.max(0, started + fraction * SECONDS * 1000 - performance.now()));
await at(0.25);
events.push(`${second()} s: API process 1 and Traefik 1 killed (SIGKILL)`);
apis[0].kill('SIGKILL');
traefiks[0].kill('SIGKILL');
await at(0.5);
events.push(`${second()} s: both started again`);
await Promise.all([startApi(0), startTraefik(0)]);
events.push(`${second()} s: both ready`);
await at(1);
running = false;
await Promise.all(loops);

// --- what came back, and what was kept ---
const back = {
  api: (await fetch(`http://127.0.0.1:${apiPorts[0]}/health/ready`).then((r) => r.status, () => 0)) === 200,
  traefik: (await ask(edgePorts[0].web, 'bench-read.tessera.test')) === 302,
};
const read = (slug) => fetch(`http://127.0.0.1:${internal.port}/tenants/${slug}`, { headers: { authorization: `Bearer ${owner}` } }).then((r) => r.status, () => 0);
let lost = 0;
for (const slug of acknowledged) if ((await read(slug)) !== 200) lost += 1;

console.log(`\nKill under load: 2 API processes and 2 Traefiks, ${SECONDS} s, ${CONNECTIONS} read loops and 1 write loop; ${database}${SMOKE ? ' (smoke: no targets)' : ''}`);
console.log(`machine: ${machineLine()}\n`);
for (const event of events) console.log(`- ${event}`);
console.log('\n| | answered | failed |');
console.log('|---|---:|---:|');
console.log(`| reads through the Traefiks (302 expected) | ${reads.ok} | ${reads.failed} |`);
console.log(`| writes through the internal address (201 expected) | ${writes.ok} | ${writes.failed} |`);
console.log(`\nseconds with a failed request: ${failedSeconds.size} (${[...failedSeconds].sort((a, b) => a - b).join(', ') || 'none'})`);
console.log(`writes answered 201 and missing at the end: ${lost} of ${acknowledged.length}`);
console.log(`back in service: API process 1 ${back.api ? 'yes' : 'NO'}, Traefik 1 ${back.traefik ? 'yes' : 'NO'}`);
// The target: nothing but what was in flight on the killed ones (at most one request per loop) fails, and nothing is lost.
const inFlight = CONNECTIONS + 1;
console.log(`target: at most ${inFlight} failed requests (one in flight per loop), no write lost, both back: ${verdict(reads.failed + writes.failed <= inFlight && lost === 0 && back.api && back.traefik)}`);
if (lost > 0 || !back.api || !back.traefik) process.exitCode = 1;
internal.server.close();
clients.server.close();
process.exit();
