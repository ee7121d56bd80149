// The live event stream (GET /events/stream), one run, on the real parts:
// FerretDB, the built platform-api and Podman's Docker API.
//  1. delay from an engine event to a stream's reader, one event at a time:
//     the bench stops and starts a workspace container on the engine itself
//     (out of band, as a crash or an operator on the host would), and times
//     each event from the engine's own timestamp (timeNano of its die/start
//     event) to the moment the matching line arrives on an open stream.
//     Target: p95 under 500 ms.
//  2. the API's memory (VmRSS) idle, with 200 open streams (each its own
//     connection, as 200 signed-in tabs), and after they close.
// --smoke (or BENCH_SMOKE=1): 3 events, 10 streams, no targets.
import Docker from 'dockerode';
import * as jose from 'jose';
import { readFileSync } from 'node:fs';
import { percentile, sleep } from '../shared.mjs';
import { send, startPlatform } from '../platform.mjs';

const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const ROUNDS = SMOKE ? 3 : Number(process.env.BENCH_ROUNDS ?? 30);
const STREAMS = SMOKE ? 10 : Number(process.env.BENCH_STREAMS ?? 200);
const socket = process.env.CONTAINER_ENGINE_SOCKET;
if (!socket) throw new Error('CONTAINER_ENGINE_SOCKET is not set: run scripts/bench-live-events.sh');
const docker = new Docker({ socketPath: socket });
const slug = `live-${Date.now().toString(36).slice(-5)}`;

const platform = await startPlatform(jose, { CONTAINER_ENGINE_SOCKET: socket, WORKSPACE_PUBLISH_PORTS: 'true', WORKSPACE_IDLE_SECONDS: '0' });
const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${platform.apiPid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);

/** An open stream and the events that reached it, each with the moment it arrived. */
async function openStream(token) {
  const abort = new AbortController();
  const response = await fetch(`${platform.base}/events/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (response.status !== 200) throw new Error(`the stream answered ${response.status}`);
  const received = [];
  const waiters = new Set();
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        const at = performance.timeOrigin + performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
          buffer = buffer.slice(end + 2);
          if (data) received.push({ at, event: JSON.parse(data.slice(6)) });
          for (const waiter of waiters) waiter();
        }
      }
    } catch {
      // closed by the bench
    }
  })();
  const next = (match, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = received.find((r) => match(r.event));
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => (waiters.delete(check), reject(new Error('no event within 10 s'))), timeoutMs);
      waiters.add(check);
      check();
    });
  return { received, next, close: () => abort.abort() };
}

try {
  const owner = await platform.token('live-owner', 'portal');
  await send(platform.base, 'POST', '/tenants', owner, { slug, name: 'Live events bench', plan: 'starter' });
  const container = docker.getContainer(`tessera-${slug}-app`);
  for (let i = 0; i < 300; i += 1) {
    const info = await container.inspect().catch(() => null);
    if (info?.State.Running) break;
    await sleep(200);
  }

  // 1. Engine event → stream reader.
  const stream = await openStream(owner);
  // Filtered here, not by the engine: Podman's Docker API does not filter every event by name.
  const engineEvents = await docker.getEvents({ filters: { type: ['container'] } });
  const seen = [];
  engineEvents.on('data', (line) => {
    for (const text of line.toString().split('\n').filter(Boolean)) {
      const event = JSON.parse(text);
      if (event.Actor?.Attributes?.name !== `tessera-${slug}-app`) continue;
      seen.push({ action: event.Action ?? event.status, at: Number(BigInt(event.timeNano) / 1_000_000n) + Number(BigInt(event.timeNano) % 1_000_000n) / 1e6 });
    }
  });
  const delays = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const stop = round % 2 === 0;
    const from = stream.received.length;
    const asked = Date.now();
    if (stop) await container.stop({ t: 0 });
    else await container.start();
    const arrived = await stream.next((event) => event.type === 'workspace' && event.change === (stop ? 'died' : 'started') && stream.received.findIndex((r) => r.event === event) >= from);
    // The engine's own record of the same event: its first die/start since the bench asked for it.
    let engine;
    for (let i = 0; i < 200 && !engine; i += 1) {
      engine = seen.find((e) => e.action === (stop ? 'die' : 'start') && e.at >= asked - 5);
      if (!engine) await sleep(10);
    }
    if (engine) delays.push(arrived.at - engine.at);
    await sleep(300);
  }
  if (delays.length < ROUNDS) console.warn(`${ROUNDS - delays.length} of ${ROUNDS} engine events were not seen on the engine's own event stream; they are left out`);
  engineEvents.destroy();
  stream.close();
  if (!(await container.inspect()).State.Running) await container.start();

  // 2. Memory with open streams.
  await sleep(1000);
  const idle = rss();
  const tokens = await Promise.all(Array.from({ length: STREAMS }, (_, i) => platform.token(`reader-${i}`, 'operator', ['platform-admins'])));
  const streams = [];
  for (const token of tokens) streams.push(await openStream(token));
  await sleep(2000);
  const open = rss();
  // One change reaches every open stream.
  const t0 = performance.timeOrigin + performance.now();
  await send(platform.base, 'PATCH', `/tenants/${slug}`, owner, { name: 'Live events bench (renamed)' });
  const fanOut = await Promise.all(streams.map((s) => s.next((event) => event.type === 'tenant' && event.change === 'tenant.update').then((r) => r.at - t0)));
  for (const s of streams) s.close();
  await sleep(2000);
  const closed = rss();

  console.log(`\nLive event stream, ${platform.machine}, ${platform.database}${SMOKE ? ' (smoke: no targets)' : ''}\n`);
  console.log(`Engine event → stream reader, one at a time (${delays.length} events: stop and start of a workspace container on the engine, out of band):`);
  console.log(`  p50 ${percentile(delays, 50).toFixed(0)} ms, p95 ${percentile(delays, 95).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms${SMOKE ? '' : ` (target p95 < 500 ms: ${percentile(delays, 95) < 500 ? 'met' : 'MISSED'})`}`);
  console.log(`API memory (VmRSS): idle ${mb(idle)} MB, with ${STREAMS} open streams ${mb(open)} MB (+${mb(open - idle)} MB, ${((open - idle) / STREAMS / 1024).toFixed(1)} KB per stream), after they closed ${mb(closed)} MB`);
  console.log(`One change fanned out to ${STREAMS} streams: p50 ${percentile(fanOut, 50).toFixed(0)} ms, p95 ${percentile(fanOut, 95).toFixed(0)} ms, last ${Math.max(...fanOut).toFixed(0)} ms after the write was sent\n`);
} finally {
  await docker.getContainer(`tessera-${slug}-app`).remove({ force: true }).catch(() => undefined);
  await docker.getNetwork(`tessera-${slug}`).remove().catch(() => undefined);
  await docker.getVolume(`tessera-${slug}-data`).remove().catch(() => undefined);
  platform.stop();
}
