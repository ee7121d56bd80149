// One source of routes for several Traefik instances, measured in one run:
// Traefik's Redis KV provider (Debian's redis-server) against its HTTP provider
// (route-server.mjs, standing in for an endpoint of platform-api), each read by
// 2 Traefik instances. Per provider and size (1,000 and 5,000 tenants):
//
// - propagation: one new tenant's route written to the source, then both
//   Traefiks' entry points asked for its host every 10 ms until each answers
//   200, and each Traefik's API (/api/http/routers/tenant-<slug>@<provider>)
//   asked every 25 ms until it shows the router as wanted; p50/p95 over the
//   changes. A first 200 that did not pass through the tenant's forwardAuth
//   (the upstream did not get the header the auth server sets) is counted;
// - Traefik's memory (VmRSS, VmHWM) and CPU seconds (utime + stime), idle and
//   per change, and the time a fresh Traefik takes to load every route;
// - at the largest size: the source killed for a while (do both keep serving,
//   what do they log, do they pick up a change when it returns), a Traefik
//   restarted while the source is down, and a Traefik restarted and a third
//   one added while it is up (does it serve every route as soon as it answers
//   /ping?).
//
// Settings (and why) are in docs/benchmarks.md. `--smoke`: 20 routes, 2
// changes, no outage, no targets: a few seconds, for CI.
import Redis from 'ioredis';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, closeSync, readSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort, percentile, sleep } from '../shared.mjs';
import { PROVIDER, kvPairs, kvSharedPairs, routeLiveness, routerName } from './traefik-routes.mjs';

const SMOKE = process.argv.includes('--smoke');
const SIZES = SMOKE ? [20] : (process.env.BENCH_SIZES ?? '1000,5000').split(',').map(Number);
const CHANGES = SMOKE ? 2 : Number(process.env.BENCH_CHANGES ?? 20);
/**
 * Changes stop after this many seconds per provider and size (the first one
 * always runs): a change is measured alone, after the Traefiks are done with
 * the one before, and with the Redis provider that takes minutes at 5,000.
 */
const CHANGE_BUDGET_S = Number(process.env.BENCH_CHANGE_BUDGET_S ?? 90);
const OUTAGE = !SMOKE && process.env.BENCH_OUTAGE !== '0';
const OUTAGE_S = Number(process.env.BENCH_OUTAGE_S ?? 10);
const IDLE_S = SMOKE ? 0.5 : 5;
const HTTP_POLL_INTERVAL = process.env.BENCH_HTTP_POLL_INTERVAL ?? '1s';
// Traefik's default; the smoke run turns it off to take seconds (its figures are not read).
const THROTTLE = process.env.BENCH_THROTTLE ?? (SMOKE ? '0s' : '2s');
const THROTTLE_MS = Number(THROTTLE.replace(/s$/, '')) * 1000;
const TRAEFIK_BIN = process.env.TRAEFIK_BIN;
const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const CLK_TCK = 100;
if (!TRAEFIK_BIN) throw new Error('TRAEFIK_BIN: the Traefik binary (scripts/bench-routes.sh builds it through ensure_traefik)');

const work = mkdtempSync(join(tmpdir(), 'tessera-bench-routes-'));
const children = new Set();
const track = (child) => (children.add(child), child.once('exit', () => children.delete(child)), child);
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

const now = () => performance.now();
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** GET on loopback: `{ status, headers, body }`, or `{ status: 0 }` when nothing answers. */
const get = (port, path, host, timeout = 5000) =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent, timeout, headers: host ? { host } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout'))).on('error', () => resolve({ status: 0 })).end();
  });

/** Calls `probe` every `everyMs` until it returns something other than undefined, or null after `timeoutMs`. */
async function pollUntil(probe, everyMs, timeoutMs) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (now() > deadline) return null;
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- /proc

function processFigures(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
    // /proc/<pid>/stat: fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024, cpuS: (Number(fields[11]) + Number(fields[12])) / CLK_TCK };
  } catch {
    return { rssMiB: NaN, hwmMiB: NaN, cpuS: NaN };
  }
}

// ---------------------------------------------------------------- the tenants' backends

// The upstream every tenant's service points at, and the forwardAuth server.
// The auth server sets X-Tessera-User (one of the authResponseHeaders); the
// upstream says whether the request came with it, so a route served without
// its forwardAuth shows.
const upstream = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'x-bench-authed': req.headers['x-tessera-user'] === 'bench-user' ? 'yes' : 'no' }).end('ok');
});
const auth = createServer((_req, res) => res.writeHead(200, { 'x-tessera-user': 'bench-user' }).end());
await Promise.all([upstream, auth].map((server) => new Promise((r) => server.listen(0, '127.0.0.1', r))));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;
const edge = {
  forwardAuthUrl: `http://127.0.0.1:${auth.address().port}/edge/auth`,
  suspendedPageUrl: `${upstreamUrl}/suspended`,
  entryPoints: ['websecure'],
  readinessHost: 'routes-loaded.bench.internal',
  // BENCH_SHARED_AUTH=1: one forwardAuth middleware for all tenants instead of one each (as the file adapter writes today).
  sharedAuthMiddleware: process.env.BENCH_SHARED_AUTH === '1',
};
const tenant = (slug) => ({ slug, hosts: [`${slug}.bench.test`], target: upstreamUrl, suspended: false });
const seeded = (i) => tenant(`t${String(i).padStart(5, '0')}`);

// ---------------------------------------------------------------- the two sources

/** Traefik's Redis provider on Debian's redis-server, appendonly with fsync on every write (a crash loses no route). */
class RedisSource {
  provider = PROVIDER.redis;
  async start() {
    this.port ??= await freePort();
    this.dir ??= mkdtempSync(join(work, 'redis-'));
    this.child = track(
      spawn(REDIS_SERVER_BIN, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--logfile', join(this.dir, 'redis.log')], { stdio: 'ignore' }),
    );
    this.client?.disconnect();
    this.client = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    this.client.on('error', () => {});
    await pollUntil(async () => ((await this.client.ping().catch(() => null)) === 'PONG' ? true : undefined), 50, 10_000);
  }
  get pid() {
    return this.child.pid;
  }
  /** Many tenants, 500 per MSET, in one pipeline. */
  async seed(specs) {
    const pipeline = this.client.pipeline();
    if (!this.seeded) pipeline.mset(...kvSharedPairs(edge).flat());
    this.seeded = true;
    for (let i = 0; i < specs.length; i += 500) pipeline.mset(...specs.slice(i, i + 500).flatMap((spec) => kvPairs(spec, edge).flat()));
    await pipeline.exec();
  }
  /** One tenant, every key in one MSET: Redis applies it at once (Traefik still gets one keyspace event per key). */
  async put(spec) {
    await this.client.mset(...kvPairs(spec, edge).flat());
  }
  keyCount() {
    return this.client.dbsize();
  }
  async commands() {
    const info = await this.client.info('stats');
    return Number(info.match(/total_commands_processed:(\d+)/)[1]);
  }
  traefikArgs() {
    return [`--providers.redis.endpoints=127.0.0.1:${this.port}`, '--providers.redis.rootKey=traefik'];
  }
  kill() {
    return killAndWait(this.child, 'SIGKILL');
  }
  async stop() {
    this.client.disconnect();
    await killAndWait(this.child, 'SIGTERM');
  }
}

/** Traefik's HTTP provider on route-server.mjs, which keeps its routes in a state file across restarts. */
class HttpSource {
  provider = PROVIDER.http;
  async start() {
    this.port ??= await freePort();
    this.state ??= join(work, 'routes.json');
    this.child = track(spawn(process.execPath, [join(import.meta.dirname, 'route-server.mjs'), '--port', String(this.port), '--state', this.state, '--edge', JSON.stringify(edge)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    await new Promise((resolve, reject) => {
      this.child.stdout.once('data', resolve);
      this.child.once('exit', (code) => reject(new Error(`route-server exited with ${code}`)));
    });
  }
  get pid() {
    return this.child.pid;
  }
  async send(method, path, body) {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!response.ok) throw new Error(`route-server ${method} ${path}: ${response.status}`);
  }
  seed(specs) {
    return this.send('POST', '/routes', specs);
  }
  put(spec) {
    return this.send('PUT', `/routes/${spec.slug}`, spec);
  }
  async stats() {
    return (await fetch(`http://127.0.0.1:${this.port}/stats`)).json();
  }
  traefikArgs() {
    return [`--providers.http.endpoint=http://127.0.0.1:${this.port}/traefik/dynamic-configuration`, `--providers.http.pollInterval=${HTTP_POLL_INTERVAL}`, '--providers.http.pollTimeout=5s'];
  }
  kill() {
    return killAndWait(this.child, 'SIGKILL');
  }
  stop() {
    return killAndWait(this.child, 'SIGTERM');
  }
}

function killAndWait(child, signal) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

// ---------------------------------------------------------------- Traefik

class Traefik {
  constructor(name, source) {
    this.name = name;
    this.source = source;
    this.log = join(work, `traefik-${source.provider}-${name}.log`);
  }
  async start() {
    this.web ??= await freePort();
    this.api ??= await freePort();
    const log = openSync(this.log, 'a');
    this.spawnedAt = now();
    this.child = track(
      spawn(
        TRAEFIK_BIN,
        [
          `--entryPoints.websecure.address=127.0.0.1:${this.web}`,
          `--entryPoints.traefik.address=127.0.0.1:${this.api}`,
          '--api.insecure=true',
          '--ping=true',
          '--ping.entryPoint=traefik',
          `--providers.providersThrottleDuration=${THROTTLE}`,
          ...this.source.traefikArgs(),
          '--api.dashboard=false',
          '--log.level=INFO',
          '--log.noColor=true',
          '--global.checkNewVersion=false',
          '--global.sendAnonymousUsage=false',
        ],
        { stdio: ['ignore', log, log] },
      ),
    );
    closeSync(log);
    this.pingAt = await pollUntil(async () => ((await get(this.api, '/ping')).status === 200 ? now() : undefined), 10, 20_000);
    if (this.pingAt === null) throw new Error(`Traefik ${this.name} did not answer /ping`);
    return this;
  }
  get pid() {
    return this.child.pid;
  }
  figures() {
    return processFigures(this.pid);
  }
  stop() {
    return killAndWait(this.child, 'SIGTERM');
  }
  /** The size of its log now, to read what it logs from here on. */
  mark() {
    return statSync(this.log).size;
  }
  /** The lines it logged since `mark`, each message once with how often (times, durations and ports blanked). */
  logSince(mark) {
    const fd = openSync(this.log, 'r');
    const length = statSync(this.log).size - mark;
    const buffer = Buffer.alloc(Math.max(0, length));
    readSync(fd, buffer, 0, length, mark);
    closeSync(fd);
    const counts = new Map();
    // Warnings, errors and what the Redis client prints; not the start-up notices.
    const lines = buffer.toString('utf8').split('\n').filter((line) => / (ERR|WRN) |redis: /.test(line) && !/encoded characters/.test(line));
    for (const line of lines) {
      const message = line
        .replace(/^\S+Z? /, '')
        .replace(/\d+(\.\d+)?(ms|µs|s|m)\b/g, '<t>')
        .replace(/127\.0\.0\.1:\d+/g, '<addr>')
        .replace(/tenant-[\w-]+/g, 'tenant-<slug>');
      counts.set(message, (counts.get(message) ?? 0) + 1);
    }
    return [...counts].map(([message, count]) => ({ message, count }));
  }
  /** Tenant routers Traefik has built from this provider, by its API (all routers but its own and the readiness router). */
  async tenantRouters() {
    const overview = await get(this.api, '/api/overview');
    if (overview.status !== 200) return null;
    const internal = await get(this.api, '/api/http/routers?search=@internal&per_page=1000');
    const ready = await get(this.api, `/api/http/routers/tessera-routes-loaded@${this.source.provider}`);
    return JSON.parse(overview.body).http.routers.total - JSON.parse(internal.body).length - (ready.status === 200 ? 1 : 0);
  }
  /** Whether its readiness route (traefik-routes.mjs, sharedConfiguration) answers. */
  async ready() {
    return (await get(this.web, '/', edge.readinessHost)).status === 200;
  }
  /** Whether its entry point answers 200 for `spec`'s host, through the forwardAuth. */
  async serves(spec) {
    const answer = await get(this.web, '/', spec.hosts[0]);
    return answer.status === 200 && answer.headers['x-bench-authed'] === 'yes';
  }
}

/** How many of `specs` each Traefik serves now. */
async function servedBy(traefik, specs) {
  let served = 0;
  for (const spec of specs) if (await traefik.serves(spec)) served += 1;
  return served;
}

/** Waits until `traefik` has built `expected` tenant routers and serves every spec of `sample`; ms after `from`, or null. */
async function untilAllServed(traefik, expected, sample, from, timeoutMs = 120_000) {
  return pollUntil(
    async () => {
      if ((await traefik.tenantRouters()) !== expected) return undefined;
      return (await servedBy(traefik, sample)) === sample.length ? now() - from : undefined;
    },
    50,
    timeoutMs,
  );
}

/**
 * Waits until the Traefiks and the source have done what a change set off:
 * for 500 ms, each Traefik used no more CPU than idle (`idleCpuS` per second,
 * the HTTP provider's polls) plus 50 ms, and Redis ran no command but ours.
 * True when they did within `timeoutMs`.
 */
async function quiet(source, traefiks, timeoutMs = 90_000, idleCpuS = 0) {
  const deadline = now() + timeoutMs;
  let before = traefiks.map((t) => t.figures().cpuS);
  let commands = source.commands ? await source.commands() : 0;
  while (now() < deadline) {
    await sleep(500);
    const after = traefiks.map((t) => t.figures().cpuS);
    const commandsAfter = source.commands ? await source.commands() : 0;
    if (after.every((cpu, i) => cpu - before[i] < 0.05 + idleCpuS / 2) && commandsAfter - commands <= 2) return true;
    before = after;
    commands = commandsAfter;
  }
  return false;
}

// ---------------------------------------------------------------- one change

let changeCount = 0;
/**
 * Writes one new tenant's route and waits until every Traefik serves it and
 * its API shows it live. Times in ms from the start of the write.
 */
async function change(source, traefiks, timeoutMs = 90_000) {
  const spec = tenant(`new-${source.provider}-${(changeCount += 1)}`);
  const name = `${routerName(spec.slug)}@${source.provider}`;
  const started = now();
  await source.put(spec);
  const written = now() - started;
  const per = await Promise.all(
    traefiks.map(async (traefik) => {
      const served = pollUntil(
        async () => {
          const answer = await get(traefik.web, '/', spec.hosts[0]);
          return answer.status === 200 ? { ms: now() - started, authed: answer.headers['x-bench-authed'] === 'yes' } : undefined;
        },
        10,
        timeoutMs,
      );
      let sawIncomplete = false;
      const api = pollUntil(
        async () => {
          const answer = await get(traefik.api, `/api/http/routers/${name}`);
          if (answer.status !== 200) return undefined;
          const router = JSON.parse(answer.body);
          if (routeLiveness(router, spec, edge, source.provider).live) return now() - started;
          sawIncomplete = true;
          return undefined;
        },
        25,
        timeoutMs,
      );
      const [serve, apiMs] = await Promise.all([served, api]);
      return { serve, apiMs, sawIncomplete };
    }),
  );
  const serveTimes = per.map((p) => p.serve?.ms ?? Infinity);
  return {
    spec,
    written,
    both: Math.max(...serveTimes),
    first: Math.min(...serveTimes),
    unauthenticated: per.filter((p) => p.serve && !p.serve.authed).length,
    apiBoth: Math.max(...per.map((p) => p.apiMs ?? Infinity)),
    apiLater: Math.max(...per.map((p) => (p.apiMs ?? Infinity) - (p.serve?.ms ?? Infinity))),
    apiEarlier: Math.max(...per.map((p) => (p.serve?.ms ?? Infinity) - (p.apiMs ?? Infinity))),
    sawIncomplete: per.some((p) => p.sawIncomplete),
  };
}

// ---------------------------------------------------------------- a run per provider

const results = [];
const outages = [];
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
const say = (line) => process.stderr.write(`[bench-routes] ${(performance.now() / 1000).toFixed(1)} s: ${line}\n`);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadAtStart = loadAverage();
const runStarted = now();

const PROVIDERS = (process.env.BENCH_PROVIDERS ?? 'http,redis').split(',');
for (const source of [new HttpSource(), new RedisSource()].filter((s) => PROVIDERS.includes(s.provider))) {
  await source.start();
  let seededCount = 0;
  const added = [];
  for (const size of SIZES) {
    const specs = Array.from({ length: size - seededCount }, (_, i) => seeded(seededCount + i));
    await source.seed(specs);
    seededCount = size;
    say(`${source.provider}: ${size} tenants written; starting 2 Traefik instances`);
    const traefiks = [new Traefik('a', source), new Traefik('b', source)];
    const startedAt = now();
    await Promise.all(traefiks.map((t) => t.start()));
    const sample = Array.from({ length: Math.min(size, 50) }, (_, i) => seeded(Math.floor((i * size) / Math.min(size, 50))));
    const loaded = await Promise.all(traefiks.map((t) => untilAllServed(t, size + added.length, sample, startedAt)));
    if (loaded.includes(null)) throw new Error(`${source.provider}: the Traefiks did not load ${size + added.length} routes (they have ${(await Promise.all(traefiks.map((t) => t.tenantRouters()))).join(' and ')})`);
    await quiet(source, traefiks);

    const idleBefore = traefiks.map((t) => t.figures());
    await sleep(IDLE_S * 1000);
    const idleAfter = traefiks.map((t) => t.figures());
    const idleCpuPct = Math.max(...idleAfter.map((f, i) => ((f.cpuS - idleBefore[i].cpuS) / IDLE_S) * 100));
    const idleCpuS = idleCpuPct / 100;

    const changes = [];
    const phaseStarted = now();
    const cpuBefore = traefiks.map((t) => t.figures().cpuS);
    const sourceCpuBefore = processFigures(source.pid).cpuS;
    let drained = true;
    let cycleMs = 0;
    for (let i = 0; i < CHANGES; i += 1) {
      // Another change only if it should end within the budget, as long as the last one took.
      if (i > 0 && now() - phaseStarted + cycleMs > CHANGE_BUDGET_S * 1000) break;
      const cycleStarted = now();
      // Out of step with the HTTP provider's polls, as real changes are.
      if (!SMOKE) await sleep(Math.random() * 1000);
      const measured = await change(source, traefiks);
      added.push(measured.spec);
      // Past the budget, the last change's work is measured for 30 s more at most.
      drained = await quiet(source, traefiks, Math.max(30_000, CHANGE_BUDGET_S * 1000 - (now() - phaseStarted)), idleCpuS);
      // Traefik sleeps providersThrottleDuration after each configuration it passes on, the last one at least
      // the 500 ms of quiet ago (it follows a listing or a fetch): let the rest pass, so each change is measured alone.
      await sleep(Math.max(0, THROTTLE_MS - 500));
      measured.settled = now() - phaseStarted;
      cycleMs = now() - cycleStarted;
      changes.push(measured);
      say(`${source.provider} @ ${size}: change ${i + 1}: both serve it after ${Math.round(measured.both)} ms (API: ${Math.round(measured.apiBoth)} ms)`);
    }
    const cpuAfter = traefiks.map((t) => t.figures());
    const phaseS = (now() - phaseStarted) / 1000;
    const both = changes.map((c) => c.both);
    results.push({
      provider: source.provider,
      size,
      keys: source.keyCount ? await source.keyCount() : null,
      document: source.stats ? await source.stats() : null,
      loadMs: Math.max(...loaded),
      pingMs: Math.max(...traefiks.map((t) => t.pingAt - t.spawnedAt)),
      changes: changes.length,
      p50: percentile(both, 50),
      p95: percentile(both, 95),
      max: Math.max(...both),
      apiP50: percentile(changes.map((c) => c.apiBoth), 50),
      apiLater: Math.max(...changes.map((c) => c.apiLater)),
      apiEarlier: Math.max(...changes.map((c) => c.apiEarlier)),
      unauthenticated: changes.reduce((n, c) => n + c.unauthenticated, 0),
      sawIncomplete: changes.filter((c) => c.sawIncomplete).length,
      timeouts: both.filter((b) => b === Infinity).length,
      drained,
      changePhaseS: phaseS,
      rssMiB: Math.max(...cpuAfter.map((f) => f.rssMiB)),
      hwmMiB: Math.max(...cpuAfter.map((f) => f.hwmMiB)),
      cpuTotalS: Math.max(...cpuAfter.map((f) => f.cpuS)),
      // Above idle: the CPU seconds of the changes phase less what the same time costs idle, per change.
      cpuPerChangeS: Math.max(...cpuAfter.map((f, i) => (f.cpuS - cpuBefore[i] - (idleAfter[i].cpuS - idleBefore[i].cpuS) * (phaseS / IDLE_S)) / changes.length)),
      idleCpuPct,
      sourceRssMiB: processFigures(source.pid).rssMiB,
      sourceCpuPerChangeS: (processFigures(source.pid).cpuS - sourceCpuBefore) / changes.length,
    });

    // The source's outage and Traefiks joining, at the first size (at 5,000 the Redis provider's reloads would take the run past 10 minutes).
    if (size === SIZES[0]) {
      if (!drained) await quiet(source, traefiks, 120_000, idleCpuS);
      // Routes the outage writes stay in the source: `added` gets them.
      outages.push({ size, ...(OUTAGE ? await outage(source, traefiks, size, [...sample, ...added], added, idleCpuS) : await joining(source, traefiks, size + added.length, [...sample, ...added])) });
    }
    await Promise.all(traefiks.map((t) => t.stop()));
  }
  await source.stop();
}

// ---------------------------------------------------------------- outages

/** A Traefik that starts while the source is up: when does it answer /ping, and when does it serve every route? */
async function joining(source, traefiks, expected, sample, restart = traefiks[1]) {
  const report = {};
  for (const [label, traefik] of [
    ['restarted', restart],
    ['added', new Traefik('c', source)],
  ]) {
    if (label === 'restarted') await traefik.stop();
    await traefik.start();
    const probe = await get(traefik.web, '/', sample[0].hosts[0]);
    const readyAt = await pollUntil(async () => ((await traefik.ready()) ? now() : undefined), 5, 60_000);
    const servedWhenReady = await servedBy(traefik, sample);
    const all = await untilAllServed(traefik, expected, sample, traefik.spawnedAt);
    report[label] = { pingMs: traefik.pingAt - traefik.spawnedAt, servedAtPing: probe.status === 200, readyMs: readyAt - traefik.spawnedAt, servedWhenReady, sample: sample.length, allMs: all };
    if (label === 'added') await traefik.stop();
  }
  return { provider: source.provider, joining: report };
}

async function outage(source, traefiks, size, sample, added, idleCpuS) {
  const report = { provider: source.provider };
  const expected = () => size + added.length;
  const wrote = (measured) => (added.push(measured.spec), sample.push(measured.spec), measured);
  // 1. The source dies; both Traefiks run on.
  let marks = traefiks.map((t) => t.mark());
  await source.kill();
  const downAt = now();
  say(`${source.provider}: source killed`);
  await sleep(1000);
  report.servedAfter1s = await Promise.all(traefiks.map((t) => servedBy(t, sample)));
  await sleep(Math.max(0, OUTAGE_S * 1000 - (now() - downAt)));
  report.servedAtEnd = await Promise.all(traefiks.map((t) => servedBy(t, sample)));
  report.sample = sample.length;
  report.routersAtEnd = await Promise.all(traefiks.map((t) => t.tenantRouters()));
  report.outageS = (now() - downAt) / 1000;
  report.logDown = traefiks.map((t, i) => t.logSince(marks[i]));
  // 2. It comes back; a route written right away: when do both serve it?
  marks = traefiks.map((t) => t.mark());
  const upAt = now();
  await source.start();
  report.restartMs = now() - upAt;
  let picked = wrote(await change(source, traefiks, 20_000));
  report.afterReturn = { fromReturnMs: picked.both + (picked.both === Infinity ? 0 : report.restartMs), changeMs: picked.both };
  // Picked up while reconnecting, perhaps: does the next change, once they are connected again, arrive too?
  await quiet(source, traefiks, 90_000, idleCpuS);
  await sleep(THROTTLE_MS + 3000);
  picked = wrote(await change(source, traefiks, 15_000));
  report.later = picked.both;
  if (picked.both === Infinity && source instanceof RedisSource) {
    // Redis forgets CONFIG SET on restart: Traefik set notify-keyspace-events once, when it connected first.
    report.keyspaceEventsAfterRestart = (await source.client.config('GET', 'notify-keyspace-events'))[1];
    await source.client.config('SET', 'notify-keyspace-events', 'KEA');
    picked = wrote(await change(source, traefiks, 45_000));
    report.afterKeyspaceEvents = picked.both;
  }
  await quiet(source, traefiks, 90_000, idleCpuS);
  report.logUp = traefiks.map((t, i) => t.logSince(marks[i]));

  // 3. A Traefik restarted while the source is down.
  const restarted = traefiks[1];
  await source.kill();
  marks = traefiks.map((t) => t.mark());
  await restarted.stop();
  await restarted.start();
  await sleep(2000);
  report.restartedWhileDown = {
    pingMs: restarted.pingAt - restarted.spawnedAt,
    sample: sample.length,
    served: await servedBy(restarted, sample),
    ready: await restarted.ready(),
    otherServed: await servedBy(traefiks[0], sample),
  };
  await sleep(3000);
  const backAt = now();
  await source.start();
  report.restartedWhileDown.allAfterReturnMs = await untilAllServed(restarted, expected(), sample, backAt, 60_000);
  report.restartedWhileDown.log = restarted.logSince(marks[1]);
  await quiet(source, traefiks, 90_000, idleCpuS);

  // 4. Restarted and added while the source is up.
  report.joining = (await joining(source, traefiks, expected(), sample)).joining;
  return report;
}

// ---------------------------------------------------------------- report

const ms = (v) => (v === Infinity || v === null || v === undefined ? 'timed out' : `${Math.round(v)}`);
/** A duration for a sentence: "1234 ms", or "not within the wait". */
const took = (v) => (v === Infinity || v === null || v === undefined ? 'not within the wait' : `${Math.round(v)} ms`);
const fixed = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
console.log(`\nRoute sources for 2 Traefik instances${SMOKE ? ' (smoke: small sizes, no targets)' : ''}`);
console.log(`Traefik ${process.env.TRAEFIK_VERSION ?? ''}, redis-server ${process.env.REDIS_VERSION ?? ''}, ${machine}`);
console.log(`load average (1, 5, 15 min) at the start ${loadAtStart}, at the end ${loadAverage()}; ${Math.round((now() - runStarted) / 1000)} s`);
console.log(`HTTP provider: pollInterval ${HTTP_POLL_INTERVAL}; providersThrottleDuration ${THROTTLE}; a route = router + service + ${edge.sharedAuthMiddleware ? 'the shared forwardAuth middleware' : 'its own forwardAuth middleware'}\n`);
console.log('| provider | tenants | source size | changes | both serve p50 ms | p95 ms | max ms | API live p50 ms | served w/o auth | Traefik RSS MiB (peak) | CPU s per change (above idle) | idle CPU % | load all routes ms |');
console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  const size = r.keys !== null ? `${r.keys} keys` : `${Math.round(r.document.bodyBytes / 1024)} KiB JSON (${Math.round(r.document.gzipBytes / 1024)} KiB gzip)`;
  console.log(
    `| ${r.provider} | ${r.size} | ${size} | ${r.changes} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.max)} | ${ms(r.apiP50)} | ${r.unauthenticated} | ${fixed(r.rssMiB, 0)} (${fixed(r.hwmMiB, 0)}) | ${r.drained ? '' : '≥ '}${fixed(r.cpuPerChangeS, 2)} | ${fixed(r.idleCpuPct)} | ${ms(r.loadMs)} |`,
  );
}
console.log('\nRatios (same run):');
for (const size of SIZES) {
  const [h, r] = ['http', 'redis'].map((p) => results.find((x) => x.provider === p && x.size === size));
  if (!h || !r) continue;
  console.log(`- ${size} tenants: redis/http propagation p50 ${fixed(r.p50 / h.p50, 2)}×, p95 ${fixed(r.p95 / h.p95, 2)}×; Traefik RSS ${fixed(r.rssMiB / h.rssMiB, 2)}×; CPU per change ${fixed(r.cpuPerChangeS / h.cpuPerChangeS, 2)}×`);
}
if (SIZES.length > 1) {
  for (const provider of PROVIDERS) {
    const [small, large] = [SIZES[0], SIZES.at(-1)].map((size) => results.find((x) => x.provider === provider && x.size === size));
    console.log(`- ${provider}: ${large.size}/${small.size} tenants: propagation p50 ${fixed(large.p50 / small.p50, 2)}×, RSS ${fixed(large.rssMiB / small.rssMiB, 2)}×, CPU per change ${fixed(large.cpuPerChangeS / small.cpuPerChangeS, 2)}×`);
  }
}
console.log('\nTraefik API (router enabled, rule, service, middleware, entry point) against the entry point serving, most later / most earlier (ms; probes every 25 and 10 ms):', results.map((r) => `${r.provider}@${r.size} ${ms(r.apiLater)} / ${ms(r.apiEarlier)}`).join(', '));
console.log('Incomplete routers seen in the API during a change:', results.map((r) => `${r.provider}@${r.size} ${r.sawIncomplete}`).join(', '));
console.log('Source process:', results.map((r) => `${r.provider}@${r.size} RSS ${fixed(r.sourceRssMiB, 0)} MiB, ${fixed(r.sourceCpuPerChangeS, 3)} CPU s per change`).join('; '));
for (const r of results.filter((x) => x.document)) console.log(`HTTP document @${r.size}: ${r.document.polls} polls, ${r.document.notModified} answered 304, ${r.document.gzipped} gzipped, render ${fixed(r.document.renderMs)} ms`);

const printLog = (label, lines) => {
  console.log(`  ${label}:`);
  for (const { message, count } of lines.slice(0, 8)) console.log(`    ${count} × ${message.slice(0, 300)}`);
  if (lines.length === 0) console.log('    (nothing)');
};
for (const o of outages) {
  console.log(`\n${o.provider}, ${o.size} tenants:`);
  if (o.servedAfter1s) {
    console.log(`- source killed for ${fixed(o.outageS)} s: sample of ${o.sample} routes served by a/b after 1 s ${o.servedAfter1s.join('/')}, at the end ${o.servedAtEnd.join('/')}; tenant routers a/b ${o.routersAtEnd.join('/')}`);
    printLog('Traefik a logged while the source was down', o.logDown[0]);
    console.log(`- source back (${took(o.restartMs)} to start): a route written then served by both ${took(o.afterReturn.fromReturnMs)} after it came back (20 s wait); the next change, once reconnected: ${took(o.later)} (15 s wait)`);
    if (o.keyspaceEventsAfterRestart !== undefined) console.log(`  not picked up: notify-keyspace-events after the restart was "${o.keyspaceEventsAfterRestart}"; with it set to KEA again, the next route took ${took(o.afterKeyspaceEvents)}`);
    printLog('Traefik a logged after the source returned', o.logUp[0]);
    const d = o.restartedWhileDown;
    console.log(`- Traefik b restarted while the source is down: /ping after ${took(d.pingMs)}; serves ${d.served}/${d.sample} of the sample, readiness host ${d.ready ? 'answers' : 'does not answer'} (a still serves ${d.otherServed}); every route ${took(d.allAfterReturnMs)} after the source returned`);
    printLog('it logged', d.log);
  }
  for (const [label, j] of Object.entries(o.joining)) {
    console.log(`- Traefik ${label} while the source is up: /ping after ${took(j.pingMs)} (a tenant served then: ${j.servedAtPing ? 'yes' : 'no'}); readiness host after ${took(j.readyMs)}, serving ${j.servedWhenReady}/${j.sample} of the sample then; every route after ${took(j.allMs)}`);
  }
}

upstream.close();
auth.close();
agent.destroy();
process.exit(results.some((r) => r.timeouts > 0) ? 1 : 0);
