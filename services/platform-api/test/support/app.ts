import type { NestExpressApplication } from '@nestjs/platform-express';
import { DevIdpProcess } from '@tessera/testing';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { dropDatabase, testDatabaseUri, until } from '@tessera/testing';
import { TestClock } from './clock';
import { TestIssuer } from './issuer';

export const AUDIENCES = { portal: 'tessera-portal', operator: 'tessera-operator', ci: 'tessera-ci' } as const;

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** Its database: another API process on the same data opens it too (startAnotherProcess). */
  uri: string;
  /** The platform's clock: move it forward instead of sleeping. */
  clock: TestClock;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The whole API on its own database, listening on loopback, trusting the issuers given. */
async function launch(label: string, issuers: string, env: Record<string, string>, cleanup: () => Promise<void>, database?: string): Promise<TestApp> {
  // The identity API is dev-idp's when there is one; elsewhere a closed port, so a call fails as "unavailable".
  const uri = database ?? testDatabaseUri(label);
  const config = loadConfig({
    MONGODB_URI: uri,
    AUTH_ISSUERS: issuers,
    AUTH_AUDIENCE_PORTAL: AUDIENCES.portal,
    AUTH_AUDIENCE_OPERATOR: AUDIENCES.operator,
    AUTH_AUDIENCE_CI: AUDIENCES.ci,
    AUTH_JWKS_COOLDOWN_MS: '30000',
    AUTH_JWKS_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MUTATIONS_PER_MINUTE: '10000',
    IDENTITY_API_URL: 'http://127.0.0.1:1',
    IDENTITY_API_TOKEN: 'unused',
    EDGE_SESSION_SECRET: 'edge-sessions-in-tests-are-signed-with-this',
    ...env,
  });
  const clock = new TestClock();
  const app = await createApp(config, { clock });
  // PORT: a test that must name the API's address before it starts (Traefik's forwardAuth) picks one.
  await app.listen(Number(env['PORT'] ?? 0), '127.0.0.1');
  return {
    app,
    config,
    uri,
    clock,
    http: () => request(app.getHttpServer()),
    close: async () => {
      await app.close();
      // The database belongs to the process that made it.
      if (!database) await dropDatabase(uri);
      await cleanup();
    },
  };
}

/**
 * The API trusting dev-idp, run as its own process on its own database:
 * tokens come from real OAuth flows (authorization code with PKCE for people,
 * client credentials for CI).
 */
export async function startAppWithDevIdp(
  label: string,
  env: Record<string, string> = {},
  options: { idpSeedDemo?: boolean } = {},
): Promise<TestApp & { idp: DevIdpProcess }> {
  const idpDatabase = testDatabaseUri(`${label}_idp`);
  const idp = await DevIdpProcess.start(idpDatabase, { seedDemo: options.idpSeedDemo ?? false });
  const identity = { IDENTITY_API_URL: idp.origin, IDENTITY_API_TOKEN: DevIdpProcess.ADMIN_TOKEN };
  const app = await launch(label, idp.trustedIssuers(), { ...identity, ...env }, async () => {
    await idp.stop();
    await dropDatabase(idpDatabase);
  });
  return { ...app, idp };
}

/**
 * A second API process (its own app, caches, queues and timers) on the first
 * one's database, trusting the same dev-idp: what several processes behind
 * the edge share is only the database. Close it before the first.
 */
export async function startAnotherProcess(first: TestApp & { idp: DevIdpProcess }, env: Record<string, string> = {}): Promise<TestApp> {
  const identity = { IDENTITY_API_URL: first.idp.origin, IDENTITY_API_TOKEN: DevIdpProcess.ADMIN_TOKEN };
  return launch('another', first.idp.trustedIssuers(), { ...identity, ...env }, async () => undefined, first.uri);
}

/**
 * The API trusting a TestIssuer, whose keys a test holds: for the token checks
 * that need tokens no real issuer would sign (expired, forged, rotated keys).
 */
export async function startAppWithTestIssuer(label: string, env: Record<string, string> = {}, existing?: TestIssuer): Promise<TestApp & { issuer: TestIssuer }> {
  const issuer = existing ?? (await TestIssuer.start());
  const issuers = JSON.stringify((['portal', 'operator', 'ci'] as const).map((slug) => ({ issuer: issuer.issuerUrl(slug), jwksUrl: issuer.jwksUrl(slug), audience: slug })));
  const app = await launch(label, issuers, env, async () => {
    if (!existing) await issuer.close();
  });
  return { ...app, issuer };
}

/** Tokens signed by a TestIssuer, shaped like dev-idp's. */
export function tokens(issuer: TestIssuer) {
  return {
    portal: (sub: string, extra: { groups?: string[]; email?: string; name?: string } = {}) =>
      issuer.token({ sub, aud: AUDIENCES.portal, ...extra }, { slug: 'portal' }),
    operator: (sub: string, extra: { groups?: string[]; email?: string; name?: string } = {}) =>
      issuer.token({ sub, aud: AUDIENCES.operator, ...extra }, { slug: 'operator' }),
  };
}

/** Waits until no provisioning step of the tenant is pending any more, and answers the tenant. */
export async function provisioned(app: TestApp, slug: string, token: string): Promise<{ id: string; status: string; provisioning: Record<string, { state: string; error?: string }> }> {
  let tenant: { id: string; status: string; provisioning: Record<string, { state: string; error?: string }> } | undefined;
  await until(`${slug} finishes provisioning`, async () => {
    const response = await app.http().get(`/tenants/${slug}`).set('authorization', `Bearer ${token}`);
    const steps = Object.values((response.body as { provisioning?: Record<string, { state: string }> }).provisioning ?? {});
    if (response.status === 200 && steps.length > 0 && steps.every((step) => step.state !== 'pending')) tenant = response.body;
    return tenant !== undefined;
  }, { intervalMs: 50 });
  return tenant!;
}

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** A request as `who` (a key of `bearer`; none: anonymous), with an optional JSON body. */
export function caller(app: TestApp, bearer: Record<string, string>) {
  return (method: Method, path: string, who?: string, body?: object) => {
    let req = app.http()[method](path);
    if (who) {
      const token = bearer[who];
      if (!token) throw new Error(`no token for ${who}`);
      req = req.set('authorization', `Bearer ${token}`);
    }
    return body ? req.send(body) : req;
  };
}
