/**
 * dev-idp's settings, from the environment, with defaults that make
 * `scripts/dev.sh` work out of the box. Every secret here is for local use only.
 */
export interface ClientSettings {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface DevIdpConfig {
  port: number;
  /** The public origin, e.g. http://localhost:9000: issuers live below it. */
  origin: string;
  mongodbUri: string;
  /** Bearer token for /api/v3, like an Authentik API token. */
  adminToken: string;
  cookieSecret: string;
  demoPassword: string;
  seedDemo: boolean;
  /** Lifetime of access and ID tokens (Authentik's default: 10 minutes); tests shorten it to see a refresh. */
  accessTokenTtlSeconds: number;
  portal: ClientSettings;
  operator: ClientSettings;
  ci: Pick<ClientSettings, 'clientId' | 'clientSecret'>;
}

const list = (value: string | undefined, fallback: string[]): string[] =>
  value ? value.split(/[\s,]+/).filter(Boolean) : fallback;

export function loadConfig(env: Record<string, string | undefined>): DevIdpConfig {
  const problems: string[] = [];
  const port = Number(env['DEV_IDP_PORT'] ?? 9000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`DEV_IDP_PORT must be a port number, got "${env['DEV_IDP_PORT']}"`);
  const origin = (env['DEV_IDP_ORIGIN'] ?? `http://localhost:${port}`).replace(/\/$/, '');
  const mongodbUri = env['DEV_IDP_MONGODB_URI'] ?? '';
  const accessTokenTtlSeconds = Number(env['DEV_IDP_ACCESS_TOKEN_TTL_SECONDS'] ?? 600);
  if (!Number.isInteger(accessTokenTtlSeconds) || accessTokenTtlSeconds < 5) problems.push('DEV_IDP_ACCESS_TOKEN_TTL_SECONDS must be a whole number of seconds, at least 5');
  if (!mongodbUri) problems.push('DEV_IDP_MONGODB_URI is required (accounts and groups are kept there)');
  if (problems.length > 0) throw new Error(`Invalid dev-idp configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  return {
    port,
    origin,
    mongodbUri,
    adminToken: env['DEV_IDP_ADMIN_TOKEN'] ?? 'tessera-dev-admin-token',
    cookieSecret: env['DEV_IDP_COOKIE_SECRET'] ?? 'tessera-dev-idp-cookie-secret-change-me',
    demoPassword: env['DEV_IDP_DEMO_PASSWORD'] ?? 'tessera-demo',
    seedDemo: (env['DEV_IDP_SEED_DEMO'] ?? 'true') !== 'false',
    accessTokenTtlSeconds,
    portal: {
      clientId: env['DEV_IDP_PORTAL_CLIENT_ID'] ?? 'tessera-portal',
      clientSecret: env['DEV_IDP_PORTAL_CLIENT_SECRET'] ?? 'tessera-portal-dev-secret',
      redirectUris: list(env['DEV_IDP_PORTAL_REDIRECT_URIS'], ['http://localhost:3001/auth/oidc/callback']),
      postLogoutRedirectUris: list(env['DEV_IDP_PORTAL_LOGOUT_URIS'], ['http://localhost:3001/signed-out']),
    },
    operator: {
      clientId: env['DEV_IDP_OPERATOR_CLIENT_ID'] ?? 'tessera-operator',
      clientSecret: env['DEV_IDP_OPERATOR_CLIENT_SECRET'] ?? 'tessera-operator-dev-secret',
      redirectUris: list(env['DEV_IDP_OPERATOR_REDIRECT_URIS'], ['http://localhost:3002/auth/oidc/callback']),
      postLogoutRedirectUris: list(env['DEV_IDP_OPERATOR_LOGOUT_URIS'], ['http://localhost:3002/signed-out']),
    },
    ci: {
      clientId: env['DEV_IDP_CI_CLIENT_ID'] ?? 'tessera-ci',
      clientSecret: env['DEV_IDP_CI_CLIENT_SECRET'] ?? 'tessera-ci-dev-secret',
    },
  };
}
