import { createHash, randomBytes } from 'node:crypto';

/**
 * A browser-less OAuth client for tests: it runs the real authorization code
 * flow with PKCE (signing in through the login form) and client credentials,
 * over HTTP, against any issuer that publishes discovery.
 */
export interface TokenSet {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer}.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery of ${issuer} answered ${response.status}`);
  return (await response.json()) as Discovery;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POSTs a form to the token endpoint; answers the status and the JSON body (tokens or an OAuth error). */
export async function tokenRequest(endpoint: string, client: { id: string; secret: string }, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { authorization: basic(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function clientCredentials(issuer: string, client: { id: string; secret: string }): Promise<TokenSet> {
  const { token_endpoint } = await discover(issuer);
  const { status, body } = await tokenRequest(token_endpoint, client, { grant_type: 'client_credentials' });
  if (status !== 200) throw new Error(`client_credentials failed: ${status} ${JSON.stringify(body)}`);
  return body as unknown as TokenSet;
}

/** Cookies by name, as a browser would keep them for one site. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface CodeFlowOptions {
  issuer: string;
  client: { id: string; secret: string; redirectUri: string };
  username: string;
  password: string;
  scope?: string;
}

export interface CodeFlowStart {
  /** The code the issuer sent back to the redirect URI. */
  code: string;
  verifier: string;
  tokenEndpoint: string;
}

/** Signs in through the login form and returns the authorization code, without redeeming it. */
export async function authorize(options: CodeFlowOptions): Promise<CodeFlowStart> {
  const discovery = await discover(options.issuer);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: options.client.id,
    redirect_uri: options.client.redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'openid profile email groups offline_access',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const jar = new CookieJar();
  let next: string | null = url.toString();
  let body: URLSearchParams | undefined;
  for (let hop = 0; next && hop < 10; hop += 1) {
    if (next.startsWith(options.client.redirectUri)) {
      const back = new URL(next);
      if (back.searchParams.get('error')) throw new Error(`authorization failed: ${back.searchParams.get('error')} ${back.searchParams.get('error_description')}`);
      if (back.searchParams.get('state') !== state) throw new Error('state mismatch');
      return { code: back.searchParams.get('code') ?? '', verifier, tokenEndpoint: discovery.token_endpoint };
    }
    const response: Response = await fetch(next, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    jar.store(response);
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      next = new URL(location, next).toString();
      continue;
    }
    const html = await response.text();
    if (html.includes('role="alert"')) throw new Error(`sign-in refused for ${options.username}`);
    if (response.status !== 200 || !html.includes('name="password"')) throw new Error(`unexpected answer ${response.status} at ${next}: ${html.slice(0, 300)}`);
    body = new URLSearchParams({ username: options.username, password: options.password });
  }
  throw new Error('the authorization flow did not come back to the redirect URI');
}

/** The whole authorization code flow with PKCE: sign in, then redeem the code. */
export async function signIn(options: CodeFlowOptions): Promise<TokenSet> {
  const { code, verifier, tokenEndpoint } = await authorize(options);
  const { status, body } = await tokenRequest(tokenEndpoint, options.client, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: options.client.redirectUri,
  });
  if (status !== 200) throw new Error(`code exchange failed: ${status} ${JSON.stringify(body)}`);
  return body as unknown as TokenSet;
}

/** The claims of a JWT, unverified: for asserting what a token carries. */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
