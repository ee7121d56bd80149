// The built platform-api in a process of its own, as main.ts runs it, except
// that the usage sampler's schedule is off and its clock can be moved: the
// benchmark (run.mjs) asks for passes over IPC and gets each pass's report,
// the CPU time the process spent on it and its memory. Everything else (the
// routes, reconcile, the engine and database adapters) is the real thing.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '../../services/platform-api/dist');
const require = createRequire(`${dist}/main.js`);
const { createApp } = require('./app.factory.js');
const { loadConfig } = require('./config/app-config.js');
const { Clock } = require('./common/clock.js');
const { UsageSampler } = require('./usage/usage-sampler.service.js');

/** Real time plus an offset the benchmark moves: a pass per interval without waiting for it. */
class MovableClock extends Clock {
  offsetMs = 0;
  now() {
    return new Date(Date.now() + this.offsetMs);
  }
}

const clock = new MovableClock();
const config = loadConfig(process.env);
const app = await createApp(config, { clock });
await app.listen(Number(process.env.PORT), '127.0.0.1');
const sampler = app.get(UsageSampler);
sampler.stop();

const interval = config.usage.sampleMs;
let looping = false;
const loopReports = [];

async function measuredPass(advanceMs) {
  clock.offsetMs += advanceMs;
  const cpu = process.cpuUsage();
  const report = await sampler.pass();
  const used = process.cpuUsage(cpu);
  return { report, cpuMs: (used.user + used.system) / 1_000, rss: process.memoryUsage().rss };
}

process.on('message', async (message) => {
  if (message.type === 'pass') {
    // To the start of the next slot, or past the next boundary asked for (5 minutes, an hour, a day).
    const now = clock.now().getTime();
    const to = message.boundaryMs ? Math.floor(now / message.boundaryMs) * message.boundaryMs + message.boundaryMs + 1_000 : Math.floor(now / interval) * interval + interval;
    process.send({ type: 'pass', ...(await measuredPass(to - now)) });
  } else if (message.type === 'loop') {
    // Passes back to back, each for the next slot: the sampler never idle (the worst case for everything else).
    looping = true;
    loopReports.length = 0;
    process.send({ type: 'looping' });
    while (looping) loopReports.push(await measuredPass(interval));
  } else if (message.type === 'stop-loop') {
    looping = false;
    await sampler.settled();
    process.send({ type: 'loop-stopped', reports: loopReports });
  } else if (message.type === 'exit') {
    await app.close();
    process.exit(0);
  }
});
process.send({ type: 'ready', rss: process.memoryUsage().rss });
