import Provider, { errors, type ClientMetadata, type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import type { DevIdpConfig } from './config.js';
import type { Directory, UserRecord } from './directory.js';

/** The scopes the platform's clients ask for, as Authentik's default scope mappings offer them. */
const SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'];

export interface Application {
  slug: string;
  clients: ClientMetadata[];
}

/** The applications Tessera uses, each an issuer at /application/o/<slug>/ as in Authentik. */
export function applications(config: DevIdpConfig): Application[] {
  const person = (client: DevIdpConfig['portal']): ClientMetadata => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  return [
    { slug: 'portal', clients: [person(config.portal)] },
    { slug: 'operator', clients: [person(config.operator)] },
    {
      slug: 'ci',
      clients: [
        {
          client_id: config.ci.clientId,
          client_secret: config.ci.clientSecret,
          redirect_uris: [],
          grant_types: ['client_credentials'],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    },
  ];
}

export function issuerUrl(config: DevIdpConfig, slug: string): string {
  return `${config.origin}/application/o/${slug}/`;
}

/** Access tokens are for one resource per client, whose audience is the client id, as Authentik's are. */
const resourceOf = (clientId: string) => `urn:tessera:client:${clientId}`;

async function claimsOf(directory: Directory, user: UserRecord) {
  const groups = (await directory.groupsOf(user.pk)).map((group) => group.name);
  return { email: user.email, email_verified: true, name: user.name, preferred_username: user.username, nickname: user.username, groups };
}

/** One oidc-provider instance: discovery, JWKS, authorize, token, userinfo and logout for one application. */
export function createIssuer(config: DevIdpConfig, directory: Directory, application: Application, signingKey: JWK): Provider {
  const configuration: Configuration = {
    clients: application.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [config.cookieSecret] },
    scopes: SCOPES,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'nickname'],
      groups: ['groups'],
    },
    routes: { jwks: '/jwks/', authorization: '/authorize/', token: '/token/', userinfo: '/userinfo/', end_session: '/end-session/', revocation: '/revoke/', introspection: '/introspect/' },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx: KoaContextWithOIDC) => (ctx.oidc.client ? resourceOf(ctx.oidc.client.clientId) : undefined),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: KoaContextWithOIDC, resource: string, client: { clientId: string }) => {
          if (resource !== resourceOf(client.clientId)) throw new errors.InvalidTarget();
          return {
            scope: 'openid profile email groups',
            audience: client.clientId,
            accessTokenTTL: config.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: { AccessToken: config.accessTokenTtlSeconds, ClientCredentials: config.accessTokenTtlSeconds, IdToken: config.accessTokenTtlSeconds, RefreshToken: 30 * 24 * 3600, AuthorizationCode: 60, Interaction: 3600, Session: 14 * 24 * 3600, Grant: 14 * 24 * 3600 },
    // Authentik issues a refresh token to any code flow of a client allowed the grant.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/application/o/${application.slug}/interaction/${interaction.uid}` },
    // These are first-party applications: consent is implied, as with Authentik's implicit consent flow.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(SCOPES.join(' '));
      grant.addResourceScope(resourceOf(ctx.oidc.client!.clientId), 'openid profile email groups');
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const user = await directory.findUserByUid(sub);
      if (!user || !user.is_active) return undefined;
      return { accountId: user.uid, claims: async () => ({ sub: user.uid, ...(await claimsOf(directory, user)) }) };
    },
    // Access tokens carry the profile and groups, as Authentik's do.
    extraTokenClaims: async (_ctx, token) => {
      const accountId = 'accountId' in token ? (token.accountId as string | undefined) : undefined;
      if (!accountId) return { groups: [] };
      const user = await directory.findUserByUid(accountId);
      return user ? claimsOf(directory, user) : undefined;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in problem', `<p class="error">${escapeHtml(out.error)}: ${escapeHtml(String(out.error_description ?? ''))}</p>`);
    },
  };
  const provider = new Provider(issuerUrl(config, application.slug), configuration);
  provider.proxy = true;
  return provider;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The page frame shared by the login and error pages. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Tessera dev identity</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh;color:#1d2330}
main{background:#fff;padding:2rem 2.5rem;border-radius:10px;box-shadow:0 2px 12px #0002;width:min(24rem,90vw)}
h1{font-size:1.25rem;margin:0 0 1.25rem}label{display:block;margin:.75rem 0 .25rem;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #c4c8d0;border-radius:6px;font-size:1rem}
button{margin-top:1.25rem;width:100%;padding:.65rem;border:0;border-radius:6px;background:#3355ff;color:#fff;font-size:1rem;cursor:pointer}
.error{color:#b3261e}.hint{color:#5b6270;font-size:.8rem;margin-top:1rem}
</style></head><body><main>${body}</main></body></html>`;
}
