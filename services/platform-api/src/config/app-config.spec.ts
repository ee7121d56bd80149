import { ConfigError, loadConfig } from './app-config';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/tessera',
  AUTH_ISSUERS: JSON.stringify([{ issuer: 'https://id.example/application/o/portal/', jwksUrl: 'https://id.example/application/o/portal/jwks/', audience: 'portal' }]),
  AUTH_AUDIENCE_PORTAL: 'portal',
  AUTH_AUDIENCE_OPERATOR: 'operator',
  AUTH_AUDIENCE_CI: 'ci',
  IDENTITY_API_URL: 'https://id.example',
  IDENTITY_API_TOKEN: 'secret',
  EDGE_SESSION_SECRET: 'a-test-secret-that-is-long-enough-0123',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('parses a valid environment with defaults for the rest', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.auth.issuers).toEqual([{ issuer: 'https://id.example/application/o/portal/', jwksUrl: 'https://id.example/application/o/portal/jwks/', audience: 'portal' }]);
    expect(config.auth.adminGroup).toBe('platform-admins');
    expect(config.seed.demo).toBe(false);
  });

  it('lists every problem at once instead of stopping at the first', () => {
    const problems = problemsOf({ PORT: 'eighty', AUTH_ISSUERS: 'not json', AUTH_AUDIENCE_CI: 'ci', SEED_DEMO: 'maybe', BASE_DOMAIN: 'bad_domain!' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('PORT'),
        expect.stringContaining('MONGODB_URI is required'),
        expect.stringContaining('AUTH_ISSUERS must be JSON'),
        expect.stringContaining('AUTH_AUDIENCE_PORTAL is required'),
        expect.stringContaining('AUTH_AUDIENCE_OPERATOR is required'),
        expect.stringContaining('SEED_DEMO'),
        expect.stringContaining('BASE_DOMAIN'),
        expect.stringContaining('IDENTITY_API_URL is required'),
        expect.stringContaining('IDENTITY_API_TOKEN is required'),
        expect.stringContaining('EDGE_SESSION_SECRET is required'),
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it('reads idle times per plan, falling back to WORKSPACE_IDLE_SECONDS, and refuses a short edge secret', () => {
    const config = loadConfig({ ...valid, WORKSPACE_IDLE_SECONDS: '600', WORKSPACE_IDLE_SECONDS_ENTERPRISE: '0' });
    expect(config.workspace.idleSeconds).toEqual({ free: 600, starter: 600, business: 600, enterprise: 0 });
    expect(loadConfig(valid).workspace.idleSeconds.free).toBe(1_200);
    expect(problemsOf({ ...valid, EDGE_SESSION_SECRET: 'short' })).toEqual(['EDGE_SESSION_SECRET must be at least 32 characters']);
  });

  it('reads the services of each plan, falling back to WORKSPACE_SERVICES, and by default one service app on WORKSPACE_PORT', () => {
    expect(loadConfig(valid).workspace.services.free).toEqual([{ name: 'app', port: 8080, default: true }]);
    expect(loadConfig({ ...valid, WORKSPACE_PORT: '3000' }).workspace.services.enterprise).toEqual([{ name: 'app', port: 3000, default: true }]);
    const config = loadConfig({ ...valid, WORKSPACE_SERVICES: 'web:80', WORKSPACE_SERVICES_BUSINESS: ' app:8080 , docs:8081 ' });
    expect(config.workspace.services.starter).toEqual([{ name: 'web', port: 80, default: true }]);
    expect(config.workspace.services.business).toEqual([
      { name: 'app', port: 8080, default: true },
      { name: 'docs', port: 8081, default: false },
    ]);
  });

  it('refuses service lists that would make an ambiguous or broken host or container', () => {
    expect(problemsOf({ ...valid, WORKSPACE_SERVICES_FREE: 'app:8080,app:8081' })).toEqual(['WORKSPACE_SERVICES_FREE names the service "app" twice']);
    expect(problemsOf({ ...valid, WORKSPACE_SERVICES_FREE: 'app:8080,docs:8080' })).toEqual(['WORKSPACE_SERVICES_FREE gives the port 8080 to two services']);
    expect(problemsOf({ ...valid, WORKSPACE_SERVICES: ',' })).toEqual(['WORKSPACE_SERVICES must list at least one service as name:port']);
    expect(problemsOf({ ...valid, WORKSPACE_SERVICES: Array.from({ length: 11 }, (_, i) => `svc${i}:${8000 + i}`).join(',') })).toEqual([
      'WORKSPACE_SERVICES lists 11 services; a workspace has at most 10',
    ]);
    // Two hyphens in a row would make `<service>--<slug>` ambiguous; so would dots, capitals, or no port.
    // Two letters would put hyphens third and fourth (ui--acme), a form DNS reserves and certificate authorities refuse.
    for (const entry of ['my--docs:8081', 'docs.v2:8081', 'Docs:8081', 'docs', 'docs:0', 'docs:70000', '9docs:8081', 'docs-:8081', 'ui:8081']) {
      expect(problemsOf({ ...valid, WORKSPACE_SERVICES: `app:8080,${entry}` })).toEqual([expect.stringContaining(`got "${entry}"`)]);
    }
  });

  it('refuses issuers without a JWKS URL, non-URL values and equal audiences', () => {
    const problems = problemsOf({
      ...valid,
      AUTH_ISSUERS: JSON.stringify([{ issuer: 'https://id.example/' }, { issuer: 'nope', jwksUrl: 'ftp://x/', audience: 'portal' }]),
      AUTH_AUDIENCE_OPERATOR: 'portal',
    });
    expect(problems).toEqual([
      'AUTH_ISSUERS[0] needs string "issuer" and "jwksUrl"',
      'AUTH_ISSUERS[0].issuer must be a URL, got "nope"',
      'AUTH_ISSUERS[0].jwksUrl must use https: or http:, got "ftp://x/"',
      'AUTH_AUDIENCE_PORTAL, AUTH_AUDIENCE_OPERATOR and AUTH_AUDIENCE_CI must differ',
    ]);
  });

  it('refuses an issuer that names no audience, an unknown one, or an issuer listed twice', () => {
    const issuer = (audience?: string) => ({ issuer: 'https://id.example/o/a/', jwksUrl: 'https://id.example/o/a/jwks/', ...(audience ? { audience } : {}) });
    expect(problemsOf({ ...valid, AUTH_ISSUERS: JSON.stringify([issuer()]) })).toEqual([
      'AUTH_ISSUERS[0].audience must be one of portal, operator, ci: the one audience this issuer\'s tokens are accepted for',
    ]);
    expect(problemsOf({ ...valid, AUTH_ISSUERS: JSON.stringify([issuer('admin')]) })).toHaveLength(1);
    expect(problemsOf({ ...valid, AUTH_ISSUERS: JSON.stringify([issuer('portal'), issuer('operator')]) })).toEqual([
      'AUTH_ISSUERS[1] repeats the issuer https://id.example/o/a/: an issuer serves one audience',
    ]);
    expect(loadConfig({ ...valid, AUTH_ISSUERS: JSON.stringify([issuer('operator')]) }).auth.issuers).toEqual([issuer('operator')]);
  });

  it('says how the whole list reads when thrown', () => {
    expect(() => loadConfig({})).toThrow(/Invalid configuration:\n {2}- MONGODB_URI is required/);
  });
});
