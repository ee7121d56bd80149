// Starts what an API benchmark measures: FerretDB (or MONGODB_URI), a local
// issuer with one RSA key at Authentik's paths, and the built platform-api.
// jose is passed in: this file sits outside the benchmark packages.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, sleep, waitFor } from './shared.mjs';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * What every benchmark gives platform-api: its port and database, the three
 * applications' issuers (`issuerOf(audience)`, with a JWKS at `<issuer>jwks/`)
 * and audiences, an identity provider it never calls, and the edge's session key.
 * @param {{ port: number, mongodbUri: string, issuerOf: (audience: string) => string }} options
 */
export function apiEnvironment({ port, mongodbUri, issuerOf }) {
  return {
    ...process.env,
    PORT: String(port),
    MONGODB_URI: mongodbUri,
    AUTH_ISSUERS: JSON.stringify(['portal', 'operator', 'ci'].map((audience) => ({ issuer: issuerOf(audience), jwksUrl: `${issuerOf(audience)}jwks/`, audience }))),
    AUTH_AUDIENCE_PORTAL: 'tessera-portal',
    AUTH_AUDIENCE_OPERATOR: 'tessera-operator',
    AUTH_AUDIENCE_CI: 'tessera-ci',
    IDENTITY_API_URL: 'http://127.0.0.1:1',
    IDENTITY_API_TOKEN: 'unused',
    EDGE_SESSION_SECRET: 'benchmark-edge-sessions-are-signed-with-this-key',
  };
}

/**
 * @param {typeof import('jose')} jose
 * @param {Record<string, string>} env the API's environment, over the benchmark's defaults
 * @param {{ processes?: number, nodeArgs?: string[] }} options `processes` above 1 runs the
 *   API in that many worker processes sharing its port (bench/api/cluster.cjs); `nodeArgs`
 *   are Node's flags for the API (default: BENCH_API_NODE_ARGS, split on spaces)
 * @returns {Promise<{ base: string, apiPid: number, database: string, machine: string, token: (sub: string, audience: 'portal' | 'operator', groups?: string[]) => Promise<string>, stop: () => void }>}
 */
export async function startPlatform(jose, env = {}, { processes = 1, nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean) } = {}) {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const issuerServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise((r) => issuerServer.listen(0, '127.0.0.1', r));
  // One issuer per application, as Authentik has, all signing with the one key.
  const issuerOf = (audience) => `http://127.0.0.1:${issuerServer.address().port}/application/o/${audience}/`;

  const children = [];
  let dataDir;
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
    issuerServer.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', stop);

  let mongodbUri = process.env.MONGODB_URI;
  let database = 'MongoDB (MONGODB_URI)';
  if (!mongodbUri) {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    const port = await freePort();
    const ferretdb = spawn(process.env.FERRETDB_BIN, ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--state-dir=${dataDir}`, `--listen-addr=127.0.0.1:${port}`, '--debug-addr=127.0.0.1:0', '--telemetry=disable', '--log-level=ERROR'], { stdio: 'inherit' });
    children.push(ferretdb);
    mongodbUri = `mongodb://127.0.0.1:${port}/bench`;
    database = 'FerretDB v1.24.2 (SQLite)';
    await sleep(500);
  }

  const apiPort = await freePort();
  const entry = processes > 1 ? [join(ROOT, 'bench/api/cluster.cjs'), String(processes)] : ['dist/main.js'];
  const api = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: join(ROOT, 'services/platform-api'),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...apiEnvironment({ port: apiPort, mongodbUri, issuerOf }),
      // No container engine, whatever the caller's environment says: these benchmarks measure the API alone.
      CONTAINER_ENGINE_SOCKET: '',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  children.push(api);
  const base = `http://127.0.0.1:${apiPort}`;
  try {
    await waitFor(`${base}/health/ready`, api);
  } catch (error) {
    stop();
    throw error;
  }

  const token = (sub, audience, groups = []) =>
    new jose.SignJWT({ email: `${sub}@example.test`, name: sub, groups })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
      .setSubject(sub)
      .setIssuer(issuerOf(audience))
      .setAudience(`tessera-${audience}`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  return { base, apiPid: api.pid, database, machine, token, stop };
}

/** JSON request helper that fails loudly on an unexpected status. */
export async function send(base, method, path, token, body, expected = [200, 201]) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!expected.includes(response.status)) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}
