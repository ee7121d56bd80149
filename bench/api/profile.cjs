// Loaded into the API process by bench/api (node --require, with
// BENCH_API_PROFILE set): a CPU profile and the event loop's delay over a
// window the benchmark chooses. SIGWINCH starts a window (and writes
// `<n>.started` once the profiler runs); the next SIGWINCH ends it and writes `<BENCH_API_PROFILE>/<n>.cpuprofile` and `<n>.loop.json`
// (the loop's delay in ms: p50, p99, max), n counting windows from 1.
// A signal, not a request, so the measured routes stay untouched; SIGWINCH
// because Nest's shutdown hooks take SIGUSR2 (and SIGWINCH is ignored by default).
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const folder = process.env.BENCH_API_PROFILE;
const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
let windowNumber = 0;
let loop;

process.on('SIGWINCH', async () => {
  if (!loop) {
    windowNumber += 1;
    loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    await post('Profiler.enable');
    // 200 µs between samples: fine enough for requests of a few hundred µs of CPU.
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    // The benchmark starts its window when this is there: starting the profiler can hold the loop for a second on a loaded machine.
    writeFileSync(join(folder, `${windowNumber}.started`), '');
    return;
  }
  const { profile } = await post('Profiler.stop');
  loop.disable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  writeFileSync(join(folder, `${windowNumber}.cpuprofile`), JSON.stringify(profile));
  writeFileSync(join(folder, `${windowNumber}.loop.json`), JSON.stringify({ p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) }));
  loop = undefined;
});
