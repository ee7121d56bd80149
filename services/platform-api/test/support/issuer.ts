import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export interface SignOptions {
  slug?: string;
  kid?: string;
  /** Seconds from now; `null` leaves `exp` out. */
  expiresIn?: number | null;
  notBefore?: number;
  /** Seconds from now for `iat` (default 0). */
  issuedAt?: number;
  issuer?: string;
}

/**
 * A real OpenID issuer for tests: an HTTP server on loopback that serves
 * discovery and a JWKS of real RSA and EC keys at Authentik's paths
 * (`/application/o/<slug>/`), and signs tokens with them. It counts JWKS
 * fetches, rotates keys and can be taken down.
 */
export class TestIssuer {
  jwksFetches = 0;
  private readonly keys = new Map<string, SigningKey>();
  private readonly retired = new Map<string, SigningKey>();
  private down = false;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<TestIssuer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const issuer = new TestIssuer(server, `http://127.0.0.1:${port}`);
    server.on('request', (request, response) => issuer.handle(request.url ?? '/', response));
    await issuer.addKey('RS256');
    await issuer.addKey('ES256');
    return issuer;
  }

  issuerUrl(slug = 'portal'): string {
    return `${this.origin}/application/o/${slug}/`;
  }

  jwksUrl(slug = 'portal'): string {
    return `${this.origin}/application/o/${slug}/jwks/`;
  }

  /** The kids currently published, RSA first. */
  get kids(): string[] {
    return [...this.keys.keys()];
  }

  async addKey(alg: 'RS256' | 'ES256'): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys.set(kid, { kid, alg, privateKey, publicKey, publicJwk });
    return kid;
  }

  /** Stops publishing a key (its tokens can still be signed, to prove they are refused). */
  unpublish(kid: string): SigningKey {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`no key ${kid}`);
    this.keys.delete(kid);
    this.retired.set(kid, key);
    return key;
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  async sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const key = this.key(options.kid ?? this.kids[0]!);
    const now = Math.floor(Date.now() / 1000);
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.issuerUrl(options.slug))
      .setIssuedAt(now + (options.issuedAt ?? 0));
    if (options.expiresIn !== null) jwt = jwt.setExpirationTime(now + (options.expiresIn ?? 300));
    if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
    return jwt.sign(key.privateKey);
  }

  /** A token like Authentik's access token for one user. */
  token(user: { sub: unknown; aud: string | string[]; email?: string; name?: string; groups?: string[] }, options: SignOptions = {}): Promise<string> {
    const { sub, aud, email = `${String(sub)}@example.test`, name = String(sub), groups = [] } = user;
    return this.sign({ sub, aud, email, name, preferred_username: String(sub), groups } as JWTPayload, options);
  }

  /** The PEM of the RSA public key: what an HS256 key-confusion attack signs with. */
  async rsaPublicPem(): Promise<string> {
    const rsa = [...this.keys.values()].find((key) => key.alg === 'RS256');
    if (!rsa) throw new Error('no RSA key');
    return exportSPKI(rsa.publicKey);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private key(kid: string): SigningKey {
    const key = this.keys.get(kid) ?? this.retired.get(kid);
    if (!key) throw new Error(`no key ${kid}`);
    return key;
  }

  private handle(url: string, response: import('node:http').ServerResponse): void {
    if (this.down) {
      response.socket?.destroy();
      return;
    }
    const match = /^\/application\/o\/([a-z0-9-]+)\/(jwks\/|\.well-known\/openid-configuration)$/.exec(url);
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const slug = match[1]!;
    if (match[2] === 'jwks/') {
      this.jwksFetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [...this.keys.values()].map((key) => key.publicJwk) }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ issuer: this.issuerUrl(slug), jwks_uri: this.jwksUrl(slug), id_token_signing_alg_values_supported: ['RS256', 'ES256'] }));
  }
}
