import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The edge's two signed tokens, both `<payload>.<signature>` in base64url
 * with an HMAC-SHA256 over the kind and the payload, so one kind can never
 * pass for the other:
 *
 * - a **session**, kept in the `tessera_edge` cookie: who is signed in to the
 *   workspaces under `scope` (the base domain, or one custom domain) and until
 *   when. It says nothing about access: that is read from the database on
 *   every request.
 * - a **ticket**, which the portal hands out after signing someone in: good
 *   once, for a minute, on one host, to be exchanged there for a session.
 *   It travels in a URL, so it is single-use and short-lived by design.
 */
export interface EdgeSession {
  userId: string;
  scope: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface EdgeTicket {
  userId: string;
  host: string;
  /** Where on the host to go once the session is set: a path, never a URL. */
  path: string;
  nonce: string;
  expiresAt: number;
}

type Kind = 'session' | 'ticket';

export class EdgeTokens {
  constructor(private readonly secret: string) {}

  signSession(session: EdgeSession): string {
    return this.sign('session', session);
  }

  signTicket(ticket: EdgeTicket): string {
    return this.sign('ticket', ticket);
  }

  /** The session, or null when the token is malformed, forged or expired. */
  verifySession(token: string, nowSeconds: number): EdgeSession | null {
    const claims = this.verify('session', token, nowSeconds);
    if (!claims || typeof claims['userId'] !== 'string' || typeof claims['scope'] !== 'string') return null;
    return claims as unknown as EdgeSession;
  }

  verifyTicket(token: string, nowSeconds: number): EdgeTicket | null {
    const claims = this.verify('ticket', token, nowSeconds);
    if (!claims || typeof claims['userId'] !== 'string' || typeof claims['host'] !== 'string' || typeof claims['path'] !== 'string' || typeof claims['nonce'] !== 'string') {
      return null;
    }
    return claims as unknown as EdgeTicket;
  }

  private sign(kind: Kind, claims: EdgeSession | EdgeTicket): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.mac(kind, payload).toString('base64url')}`;
  }

  private verify(kind: Kind, token: string, nowSeconds: number): Record<string, unknown> | null {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined || token.length > 4_096) return null;
    const expected = this.mac(kind, payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || claims === null) return null;
    const expiresAt = (claims as Record<string, unknown>)['expiresAt'];
    if (typeof expiresAt !== 'number' || expiresAt <= nowSeconds) return null;
    return claims as Record<string, unknown>;
  }

  private mac(kind: Kind, payload: string): Buffer {
    return createHmac('sha256', this.secret).update(`tessera-edge-${kind}.${payload}`).digest();
  }
}
