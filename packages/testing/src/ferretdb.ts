import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningFerretDb {
  uri: string;
  stop(): Promise<void>;
}

/**
 * A free port for a test's server, drawn from the 12,000 ports just below the
 * kernel's ephemeral range. The kernel never hands those out by itself, neither
 * to a server listening on port 0 nor to an outgoing connection, so between
 * this answer and the server's bind only another freePort caller can take it,
 * and a random draw from 12,000 makes that rare. (A port from the ephemeral
 * range could be given to any other process in that gap: in CI another test's
 * server once answered where dev-idp was to listen.) The port is free on every
 * interface when answered.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow() - 12_000;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = low + Math.floor(Math.random() * 12_000);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port below ${low + 12_000} after 50 draws`);
}

/** The first port of the kernel's ephemeral range (32768 unless configured). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 13_024) return low;
  } catch {
    // not Linux: the IANA range's start
  }
  return 49_152;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Whether something accepts connections on a loopback port. */
export async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
    socket.connect(port, '127.0.0.1');
  });
}

async function waitForPort(port: number, process: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`FerretDB exited with code ${process.exitCode}`);
    if (await listening(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`FerretDB did not listen on ${port} within ${timeoutMs} ms`);
}

/** Starts FerretDB on a free port with a temporary SQLite directory. */
export async function startFerretDb(binary: string): Promise<RunningFerretDb> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ferretdb-'));
  const port = await freePort();
  const child = spawn(
    binary,
    ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--listen-addr=127.0.0.1:${port}`, '--telemetry=disable', '--log-level=ERROR', '--debug-addr=127.0.0.1:0', `--state-dir=${dataDir}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(port, child, 20_000);
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
