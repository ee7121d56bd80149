import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { dropDatabase, testDatabaseUri } from './database';
import { TestIssuer } from './issuer';

export const AUDIENCES = { portal: 'tessera-portal', operator: 'tessera-operator', ci: 'tessera-ci' } as const;

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  issuer: TestIssuer;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The whole API on its own database, trusting a real local issuer for the
 * portal and operator applications. `env` overrides any variable.
 */
export async function startTestApp(label: string, env: Record<string, string> = {}, existingIssuer?: TestIssuer): Promise<TestApp> {
  const issuer = existingIssuer ?? (await TestIssuer.start());
  const uri = testDatabaseUri(label);
  const config = loadConfig({
    MONGODB_URI: uri,
    AUTH_ISSUERS: JSON.stringify(['portal', 'operator'].map((slug) => ({ issuer: issuer.issuerUrl(slug), jwksUrl: issuer.jwksUrl(slug) }))),
    AUTH_AUDIENCE_PORTAL: AUDIENCES.portal,
    AUTH_AUDIENCE_OPERATOR: AUDIENCES.operator,
    AUTH_AUDIENCE_CI: AUDIENCES.ci,
    AUTH_JWKS_COOLDOWN_MS: '30000',
    AUTH_JWKS_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MUTATIONS_PER_MINUTE: '10000',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  return {
    app,
    config,
    issuer,
    http: () => request(app.getHttpServer()),
    close: async () => {
      await app.close();
      if (!existingIssuer) await issuer.close();
      await dropDatabase(uri);
    },
  };
}

/** Tokens for the usual cast, as the portal or operator application would carry them. */
export function tokens(issuer: TestIssuer) {
  return {
    portal: (sub: string, extra: { groups?: string[]; email?: string; name?: string } = {}) =>
      issuer.token({ sub, aud: AUDIENCES.portal, ...extra }, { slug: 'portal' }),
    operator: (sub: string, extra: { groups?: string[]; email?: string; name?: string } = {}) =>
      issuer.token({ sub, aud: AUDIENCES.operator, ...extra }, { slug: 'operator' }),
    ci: (sub = 'ci-pipeline') => issuer.token({ sub, aud: AUDIENCES.ci }, { slug: 'portal' }),
  };
}
