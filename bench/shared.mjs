// Helpers both benchmarks use. No dependencies: benchmarks import their own.
import { createServer } from 'node:http';

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
