// Helpers the benchmarks share. No dependencies: benchmarks import their own.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, totalmem } from 'node:os';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free loopback port, as the kernel hands one out. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `url` answers 2xx, failing early when `child` (if given) exits. */
export async function waitFor(url, child) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the process exited`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

/** The value at percentile `p` (0–100) of `values`. */
export const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

/**
 * Smoke mode (`--smoke` or BENCH_SMOKE=1): a second or two of each
 * measurement at small sizes, no targets, for CI. A benchmark in smoke mode
 * still fails (exits non-zero) when anything does not start or answer.
 */
export const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';

/** A size or duration: `smoke` in smoke mode, else the environment's `name`, else `full`. */
export const knob = (name, full, smoke) => (SMOKE ? smoke : Number(process.env[name] ?? full));

/** What a target line says: the verdict, or that smoke mode sets none. */
export const verdict = (met) => (SMOKE ? 'not judged (smoke)' : met ? 'met' : 'NOT met');

/** The machine in one line, with its load average (1, 5, 15 min) at the time asked. */
export function machineLine() {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, load average ${load}`;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** A process's memory (VmRSS, VmHWM, MiB) and CPU seconds used so far (utime + stime), from /proc. */
export function processUsage(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
  // /proc/<pid>/stat: the fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
}

/** Every process below `root` (children, theirs, …), from /proc: each process's parent. */
export function descendantPids(root = process.pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // /proc/<pid>/stat: the parent's pid is the 2nd field after the command's closing parenthesis.
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift();
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The pid of a descendant of this process whose command line contains `needle`, nearest first. */
export function descendantPid(needle, root = process.pid) {
  for (const pid of descendantPids(root)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(needle)) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** CPU seconds used so far by `pid` and every process below it (a cluster's primary and its workers). */
export function treeCpuSeconds(pid) {
  let seconds = 0;
  for (const each of [pid, ...descendantPids(pid)]) {
    try {
      seconds += processUsage(each).cpuSeconds;
    } catch {
      // gone meanwhile
    }
  }
  return seconds;
}

/**
 * What `pids` use at rest: CPU seconds per second over `seconds` of nothing
 * asked of them (timers, polls), so a load's CPU per request can be counted
 * above it. Answers one rate per pid.
 */
export async function idleCpuRates(pids, seconds = 3) {
  const before = pids.map((pid) => treeCpuSeconds(pid));
  await sleep(seconds * 1000);
  return pids.map((pid, i) => (treeCpuSeconds(pid) - before[i]) / seconds);
}
