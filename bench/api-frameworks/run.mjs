// What the HTTP framework costs, at 64 connections, in one run: the same
// 15-byte JSON answer from Node's http alone, from Nest on Express (the
// adapter platform-api runs on) and from Nest on Fastify, each the smallest
// app of its kind in a process of its own (server.mjs); beside them,
// platform-api's own GET /health and GET /users/me (bench/platform.mjs, as
// bench/api starts it). Each server's CPU time per request comes from /proc.
// What Fastify could take off platform-api's requests is at most the
// difference between the two Nest rows: everything else a request does
// (guards, token verdict, cache, logging, answer) stays.
// The servers take turns, in rounds, so a change in the machine's load hits
// all alike; p50 and p99 are the median of each server's rounds.
// `--smoke`: 1 round of 1 s at 8 connections, no warm-up.
import autocannon from 'autocannon';
import * as jose from 'jose';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startPlatform } from '../platform.mjs';
import { knob, machineLine, percentile, processUsage, SMOKE } from '../shared.mjs';

const CONNECTIONS = knob('BENCH_CONNECTIONS', 64, 8);
const SECONDS = knob('BENCH_SECONDS', 5, 1);
const ROUNDS = knob('BENCH_ROUNDS', 3, 1);
const WARMUP = SMOKE ? 0 : 2;
const startedLoad = machineLine();

/** server.mjs as a child process: its base URL, pid and a stop. */
async function startServer(kind) {
  const child = spawn(process.execPath, [new URL('server.mjs', import.meta.url).pathname, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => { throw new Error(`${kind} server exited`); })]);
  return { base: `http://127.0.0.1:${Number(String(line).trim())}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

const servers = [];
let platform;
try {
  for (const [name, kind] of [['Node http alone', 'node'], ['Nest on Fastify', 'fastify'], ['Nest on Express', 'express']]) {
    servers.push({ name, path: '/health', headers: {}, ...(await startServer(kind)) });
  }
  platform = await startPlatform(jose);
  const token = await platform.token('bench-user', 'portal');
  const auth = { authorization: `Bearer ${token}` };
  servers.push({ name: 'platform-api GET /health (Nest on Express)', base: platform.base, pid: platform.apiPid, path: '/health', headers: {} });
  servers.push({ name: 'platform-api GET /users/me (Nest on Express)', base: platform.base, pid: platform.apiPid, path: '/users/me', headers: auth });

  for (const server of servers) {
    server.latencies = [];
    server.requests = 0;
    server.cpuSeconds = 0;
    server.elapsed = 0;
    const answer = await fetch(`${server.base}${server.path}`, { headers: server.headers });
    if (answer.status !== 200) throw new Error(`${server.name}: ${answer.status}`);
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const server of round % 2 ? [...servers].reverse() : servers) {
      const options = { url: `${server.base}${server.path}`, headers: server.headers, connections: CONNECTIONS };
      if (WARMUP) await autocannon({ ...options, duration: WARMUP });
      const before = processUsage(server.pid).cpuSeconds;
      const result = await autocannon({ ...options, duration: SECONDS });
      server.cpuSeconds += processUsage(server.pid).cpuSeconds - before;
      if (result.non2xx + result.errors + result.timeouts > 0 || result.requests.total === 0) throw new Error(`${server.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`);
      server.requests += result.requests.total;
      server.elapsed += result.duration;
      server.latencies.push({ p50: result.latency.p50, p99: result.latency.p99 });
    }
  }

  // autocannon keeps a histogram per run, not the samples: p50 and p99 are the median over the rounds.
  const overRounds = (server, key) => percentile(server.latencies.map((l) => l[key]), 50);
  console.log(`\nHTTP frameworks at ${CONNECTIONS} connections, ${ROUNDS} round(s) of ${SECONDS} s each${WARMUP ? ` after ${WARMUP} s of warm-up` : ''}, servers in turn${SMOKE ? ' (smoke)' : ''}`);
  console.log(`machine at the start: ${startedLoad}`);
  console.log(`machine at the end:   ${machineLine()}\n`);
  console.log('| server | req/s | p50 ms | p99 ms | server CPU µs/req |');
  console.log('|---|---:|---:|---:|---:|');
  for (const server of servers) {
    server.rps = server.requests / server.elapsed;
    server.cpuUs = (server.cpuSeconds * 1e6) / server.requests;
    console.log(`| ${server.name} | ${server.rps.toFixed(0)} | ${overRounds(server, 'p50')} | ${overRounds(server, 'p99')} | ${server.cpuUs.toFixed(0)} |`);
  }
  const [bare, fastify, express, health, me] = servers;
  console.log(`\nCPU per request, same run: Nest on Express ${express.cpuUs.toFixed(0)} µs, Nest on Fastify ${fastify.cpuUs.toFixed(0)} µs (Fastify/Express ${(fastify.cpuUs / express.cpuUs).toFixed(2)}), Node alone ${bare.cpuUs.toFixed(0)} µs`);
  console.log(`platform-api /users/me ${me.cpuUs.toFixed(0)} µs: the Express-to-Fastify difference (${(express.cpuUs - fastify.cpuUs).toFixed(0)} µs) is ${(((express.cpuUs - fastify.cpuUs) / me.cpuUs) * 100).toFixed(0)} % of it; /health ${health.cpuUs.toFixed(0)} µs`);
} finally {
  for (const server of servers) if (server.stop) server.stop();
  platform?.stop();
}
process.exit(0);
