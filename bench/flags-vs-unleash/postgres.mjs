// A throwaway PostgreSQL cluster for a benchmark: initdb into a temporary
// folder (or a copy of a cluster kept before, `from`), the server on a free
// loopback port with its socket in that folder, removed on stop. Debian's binaries (scripts/lib.sh ensure_postgres exports
// PG_BIN_DIR). As root, both run as the `postgres` user: PostgreSQL refuses root.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from '../shared.mjs';

/**
 * @param {{ from?: string }} options `from`: a data folder to start from (copied), instead of a new cluster
 * @returns {Promise<{ port: number, user: string, version: string, pid: number, data: string, stop: (options?: { keepData?: string }) => Promise<void> }>}
 */
export async function startPostgres({ from } = {}) {
  const bin = process.env.PG_BIN_DIR;
  if (!bin) throw new Error('PG_BIN_DIR: the folder of initdb and postgres (scripts/lib.sh ensure_postgres sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-pg-'));
  const data = join(dir, 'data');
  // Root runs the cluster as `postgres`; anyone else as themselves.
  const ids = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid);
  const user = 'bench';
  if (from) execFileSync('cp', ['-a', from, data]);
  else execFileSync(join(bin, 'initdb'), ['-D', data, '-U', user, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], { ...ids, stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await freePort();
  // Durability is not what is measured: no fsync, as for any throwaway test database.
  const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50'], { ...ids, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  for (let attempt = 0; ; attempt += 1) {
    if (server.exitCode !== null) throw new Error(`postgres exited with code ${server.exitCode}: ${log}`);
    try {
      execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
      break;
    } catch {
      if (attempt > 200) throw new Error(`postgres did not come up: ${log}`);
      await sleep(100);
    }
  }
  const version = execFileSync(join(bin, 'postgres'), ['--version']).toString().trim().replace(/^postgres \(PostgreSQL\) /, '');
  return {
    port,
    user,
    version,
    pid: server.pid,
    data,
    /** Stops the server (a clean, fast shutdown); `keepData` moves the data folder there first. */
    async stop({ keepData } = {}) {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT');
        await exited;
      }
      if (keepData) {
        // Copied beside its destination, then renamed: a half-copied folder is never taken for a whole one.
        execFileSync('cp', ['-a', data, `${keepData}.partial`]);
        renameSync(`${keepData}.partial`, keepData);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
