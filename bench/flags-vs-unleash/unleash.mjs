// Unleash for a benchmark: a throwaway PostgreSQL cluster and unleash-server
// as a process on free ports, with an admin, a backend (client) and a
// frontend token created at start.
//
// A new Unleash database runs some 300 migrations at first start (30–60 s
// here). So the first run keeps the migrated, empty cluster beside the
// installed package (`pgdata-…`), and every run starts from a copy of it:
// Unleash then finds nothing to migrate. Delete the folder to start over.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, sleep } from '../shared.mjs';
import { startPostgres } from './postgres.mjs';

export const TOKENS = {
  admin: '*:*.tessera-bench-admin-token',
  backend: 'default:development.tessera-bench-backend-token',
  frontend: 'default:development.tessera-bench-frontend-token',
};

/** unleash-server's folder (scripts/lib.sh ensure_unleash) and version. */
export function unleashInstall() {
  const dir = process.env.UNLEASH_SERVER_DIR;
  if (!dir) throw new Error('UNLEASH_SERVER_DIR: where unleash-server is installed (scripts/lib.sh ensure_unleash sets it)');
  const packageDir = join(dir, 'node_modules/unleash-server');
  return { dir, packageDir, version: JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version };
}

async function runUnleash(postgres, packageDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(import.meta.dirname, 'unleash-main.mjs')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      UNLEASH_SERVER_DIR: packageDir,
      UNLEASH_PORT: String(port),
      UNLEASH_URL: url,
      DATABASE_PORT: String(postgres.port),
      DATABASE_USERNAME: postgres.user,
      LOG_LEVEL: 'error',
      INIT_ADMIN_API_TOKENS: TOKENS.admin,
      INIT_BACKEND_API_TOKENS: TOKENS.backend,
      INIT_FRONTEND_API_TOKENS: TOKENS.frontend,
      // The frontend API re-reads its flags every 45 minutes by default; the benchmark creates them just before.
      FRONTEND_API_REFRESH_INTERVAL_MS: '1000',
      CHECK_VERSION: 'false',
      SEND_TELEMETRY: 'false',
      NODE_ENV: 'production',
      NODE_COMPILE_CACHE: join(packageDir, '../../.compile-cache'),
    },
  });
  let log = '';
  child.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`unleash-server exited with code ${child.exitCode}: ${log}`);
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      if (attempt > 1800) throw new Error(`unleash-server did not come up in 3 minutes: ${log}`);
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid, stop };
}

/** @returns {Promise<{ url: string, version: string, postgres: Awaited<ReturnType<typeof startPostgres>>, pid: number, admin: (method: string, path: string, body?: unknown) => Promise<any>, stop: () => Promise<void> }>} */
export async function startUnleash() {
  const { dir, packageDir, version } = unleashInstall();
  const major = (process.env.PG_BIN_DIR ?? '').match(/postgresql\/(\d+)/)?.[1] ?? 'x';
  const template = join(dir, `pgdata-unleash-${version}-pg${major}`);
  if (!existsSync(template)) {
    const fresh = await startPostgres();
    try {
      const first = await runUnleash(fresh, packageDir);
      await first.stop();
    } finally {
      await fresh.stop({ keepData: template });
    }
  }
  const postgres = await startPostgres({ from: template });
  let server;
  try {
    server = await runUnleash(postgres, packageDir);
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  const { url } = server;
  const admin = async (method, path, body) => {
    const response = await fetch(`${url}${path}`, { method, headers: { authorization: TOKENS.admin, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`Unleash ${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    version,
    postgres,
    pid: server.pid,
    admin,
    async stop() {
      await server.stop();
      await postgres.stop();
    },
  };
}
