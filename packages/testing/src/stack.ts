import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dropDatabase, testDatabaseUri } from './database';
import { DEV_IDP_CLIENTS, DevIdpProcess } from './dev-idp';
import { removeEngineObjects } from './engine';
import { freePort } from './ferretdb';
import { startTraefik, type RunningTraefik } from './traefik';

const ROOT = resolve(__dirname, '../../..');
const API_ENTRY = join(ROOT, 'services/platform-api/dist/main.js');
const PORTAL_ENTRY = join(ROOT, 'apps/portal/.output/server/index.mjs');
const OPERATOR_ENTRY = join(ROOT, 'apps/operator/.output/server/index.mjs');

async function waitFor(url: string, child: ChildProcess, name: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer at ${url}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export interface PlatformStack {
  idp: DevIdpProcess;
  apiOrigin: string;
  portalOrigin: string;
  operatorOrigin: string;
  /** The engine socket the API provisions on, or null when the stack runs without one. */
  engineSocket: string | null;
  /** Where the API writes the tenants' route files (point Traefik at it: startTraefik). */
  dynamicDir: string;
  /** With `edge`: Traefik on the route files, and a workspace's address through it (http, on Traefik's port). */
  edge: RunningTraefik | null;
  workspaceUrl(slug: string): string;
  /** A token for `username` from the portal or operator application (the test OAuth client). */
  token(username: string, app: 'portal' | 'operator'): Promise<string>;
  /** Calls platform-api directly with a token, failing on an unexpected status. */
  api<T>(token: string, method: string, path: string, body?: unknown, expected?: number[]): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The platform as it runs for real, each part its own process: dev-idp,
 * the built platform-api and the built portal, on one test database server
 * (FerretDB or MONGODB_URI) and, when given, a container engine. For browser
 * tests: the portal's callback is registered with dev-idp on its own port.
 */
export async function startPlatformStack(
  label: string,
  options: { engineSocket?: string | null; edge?: boolean; apiEnv?: Record<string, string>; idpEnv?: Record<string, string>; portalEnv?: Record<string, string> } = {},
): Promise<PlatformStack> {
  for (const entry of [API_ENTRY, PORTAL_ENTRY, OPERATOR_ENTRY]) {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: build the workspace first (pnpm -r build)`);
  }
  const [apiPort, portalPort, operatorPort] = [await freePort(), await freePort(), await freePort()];
  const apiOrigin = `http://127.0.0.1:${apiPort}`;
  const portalOrigin = `http://127.0.0.1:${portalPort}`;
  const operatorOrigin = `http://127.0.0.1:${operatorPort}`;
  const idpDatabase = testDatabaseUri(`${label}_idp`);
  const apiDatabase = testDatabaseUri(label);
  const idp = await DevIdpProcess.start(idpDatabase, {
    redirectUris: {
      portal: { callback: `${portalOrigin}/auth/oidc/callback`, logout: `${portalOrigin}/signed-out` },
      operator: { callback: `${operatorOrigin}/auth/oidc/callback`, logout: `${operatorOrigin}/signed-out` },
    },
    env: options.idpEnv,
  });
  const dynamicDir = mkdtempSync(join(tmpdir(), 'tessera-stack-'));
  const engineSocket = options.engineSocket ?? null;
  // The seeded tenant's slug is this stack's own, so stacks sharing an engine never share its objects; stop() removes them.
  const defaultTenant = `default-${randomBytes(3).toString('hex')}`;
  // The edge as scripts/dev.sh runs it: Traefik on the route files, on a local port, over http.
  const edge = options.edge ? await startTraefik(dynamicDir) : null;
  const workspaceUrl = (slug: string) => (edge ? `http://${slug}.tessera.test:${edge.port}/` : `https://${slug}.tessera.test/`);

  const api = spawn(process.execPath, [API_ENTRY], {
    cwd: join(ROOT, 'services/platform-api'),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(apiPort),
      MONGODB_URI: apiDatabase,
      AUTH_ISSUERS: idp.trustedIssuers(),
      AUTH_AUDIENCE_PORTAL: DEV_IDP_CLIENTS.portal.id,
      AUTH_AUDIENCE_OPERATOR: DEV_IDP_CLIENTS.operator.id,
      AUTH_AUDIENCE_CI: DEV_IDP_CLIENTS.ci.id,
      IDENTITY_API_URL: idp.origin,
      IDENTITY_API_TOKEN: DevIdpProcess.ADMIN_TOKEN,
      CONTAINER_ENGINE_SOCKET: engineSocket ?? '',
      WORKSPACE_PUBLISH_PORTS: 'true',
      TRAEFIK_DYNAMIC_DIR: dynamicDir,
      SEED_DEFAULT_TENANT: defaultTenant,
      BASE_DOMAIN: 'tessera.test',
      EDGE_SESSION_SECRET: randomBytes(32).toString('hex'),
      EDGE_LOGIN_URL: `${portalOrigin}/edge/start`,
      EDGE_FORWARD_AUTH_URL: `${apiOrigin}/edge/auth`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MUTATIONS_PER_MINUTE: '10000',
      ...(edge ? { TRAEFIK_PING_URL: edge.pingUrl } : {}),
      ...options.apiEnv,
    },
  });
  await waitFor(`${apiOrigin}/health/ready`, api, 'platform-api');

  /** One of the Nuxt apps, built, as a process: its OIDC client is dev-idp's test client for that application. */
  const startApp = async (app: 'portal' | 'operator', entry: string, port: number, origin: string, env: Record<string, string> = {}) => {
    const issuer = idp.issuer(app);
    const child = spawn(process.execPath, [entry], {
      cwd: join(ROOT, 'apps', app),
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        NUXT_API_URL: apiOrigin,
        NUXT_PUBLIC_BASE_DOMAIN: 'tessera.test',
        NUXT_OIDC_PROVIDERS_OIDC_CLIENT_ID: DEV_IDP_CLIENTS[app].id,
        NUXT_OIDC_PROVIDERS_OIDC_CLIENT_SECRET: DEV_IDP_CLIENTS[app].secret,
        NUXT_OIDC_PROVIDERS_OIDC_ADDITIONAL_LOGOUT_PARAMETERS_CLIENT_ID: DEV_IDP_CLIENTS[app].id,
        NUXT_OIDC_PROVIDERS_OIDC_AUTHORIZATION_URL: `${issuer}authorize/`,
        NUXT_OIDC_PROVIDERS_OIDC_TOKEN_URL: `${issuer}token/`,
        NUXT_OIDC_PROVIDERS_OIDC_LOGOUT_URL: `${issuer}end-session/`,
        NUXT_OIDC_PROVIDERS_OIDC_REDIRECT_URI: `${origin}/auth/oidc/callback`,
        NUXT_OIDC_PROVIDERS_OIDC_LOGOUT_REDIRECT_URI: `${origin}/signed-out`,
        NUXT_OIDC_SESSION_SECRET: randomBytes(48).toString('base64url'),
        NUXT_OIDC_AUTH_SESSION_SECRET: randomBytes(48).toString('base64url'),
        NUXT_OIDC_TOKEN_KEY: randomBytes(32).toString('base64'),
        ...env,
      },
    });
    await waitFor(`${origin}/login`, child, app);
    return child;
  };
  const portal = await startApp('portal', PORTAL_ENTRY, portalPort, portalOrigin, {
    ...(edge ? { NUXT_PUBLIC_WORKSPACE_SCHEME: 'http', NUXT_PUBLIC_WORKSPACE_PORT: String(edge.port) } : {}),
    ...options.portalEnv,
  });
  const operatorApp = await startApp('operator', OPERATOR_ENTRY, operatorPort, operatorOrigin);

  return {
    idp,
    apiOrigin,
    portalOrigin,
    operatorOrigin,
    engineSocket,
    dynamicDir,
    edge,
    workspaceUrl,
    token: (username, app) => idp.accessToken(username, app),
    async api<T>(token: string, method: string, path: string, body?: unknown, expected = [200, 201]): Promise<T> {
      const response = await fetch(`${apiOrigin}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!expected.includes(response.status)) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    },
    async stop() {
      await stopProcess(operatorApp);
      await stopProcess(portal);
      await stopProcess(api);
      await idp.stop();
      await edge?.stop();
      await dropDatabase(apiDatabase);
      await dropDatabase(idpDatabase);
      // The tests remove the tenants they made; the stack removes the one it seeded.
      if (engineSocket) await removeEngineObjects(engineSocket, [defaultTenant]).catch(() => undefined);
      rmSync(dynamicDir, { recursive: true, force: true });
    },
  };
}
