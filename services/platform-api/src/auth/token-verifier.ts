import { Injectable, Logger } from '@nestjs/common';
import type { Audience } from '@tessera/contracts';
import { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';

/** Only asymmetric algorithms: a shared-secret (HS*) or unsigned token is never accepted. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256'];

export interface VerifiedToken {
  subject: string;
  issuer: string;
  /** The trusted audiences this token was issued for. */
  audiences: Audience[];
  email: string | null;
  name: string | null;
  username: string | null;
  groups: string[];
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/** How long a verdict on one token string may be reused (never past its `exp`). */
const VERDICT_TTL_MS = 60_000;
const MAX_VERDICTS = 10_000;
/** A subject is an identifier, never empty, never a document. */
const MAX_SUBJECT_LENGTH = 255;

/**
 * Verifies access tokens against the JWKS of the issuer that signed them.
 * jose caches each key set and fetches it again for an unknown `kid` at most
 * once per cooldown.
 *
 * Each issuer serves one audience (AUTH_ISSUERS): a token is accepted only
 * when its `aud` names exactly that audience's client id. Identity providers
 * may sign every application's tokens with one key, so a portal token
 * relabelled for the operator console would otherwise verify.
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly keySets = new Map<string, RemoteKeySet>();
  /** Per issuer, bumped by every fetch of its key set: verdicts reached with an older set are not reused. */
  private readonly keySetVersions = new Map<string, number>();
  /** Per issuer, the one client id its tokens must be issued for, and the kind of audience that is. */
  private readonly served = new Map<string, { clientId: string; audience: Audience }>();
  /** Every client id Tessera serves: a token naming two of them is refused. */
  private readonly clientIds: Set<string>;
  /**
   * Tokens already verified, by their exact string: a client sends the same
   * token with every request until it expires, and verifying it again costs
   * more than the rest of a cached read. A verdict is reused only while its
   * issuer's key set is the one it was reached with, and never past `exp`.
   */
  private readonly verdicts = new Map<string, { token: VerifiedToken; issuer: string; version: number; expiresAt: number }>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    for (const { issuer, jwksUrl, audience } of config.auth.issuers) {
      this.served.set(issuer, { clientId: config.auth.audiences[audience], audience });
      this.keySetVersions.set(issuer, 0);
      // The cooldown between fetches is kept here, on the platform's clock, rather than by jose's own timer.
      let last: { at: number; body: string } | null = null;
      const keys = createRemoteJWKSet(new URL(jwksUrl), {
        cooldownDuration: 0,
        timeoutDuration: config.auth.jwksTimeoutMs,
        [customFetch]: async (url, options) => {
          const now = this.clock.now().getTime();
          // Within the cooldown an unknown kid is answered from the key set fetched last: no fetch.
          if (last && now - last.at < config.auth.jwksCooldownMs) return new Response(last.body, { status: 200, headers: { 'content-type': 'application/json' } });
          const response = await fetch(url, options);
          const body = await response.text();
          if (response.ok) last = { at: now, body };
          this.keySetVersions.set(issuer, (this.keySetVersions.get(issuer) ?? 0) + 1);
          return new Response(body, { status: response.status, headers: response.headers });
        },
      });
      this.keySets.set(issuer, keys);
    }
    this.clientIds = new Set(Object.values(config.auth.audiences));
  }

  async verify(token: string): Promise<VerifiedToken> {
    const known = this.verdicts.get(token);
    if (known && known.expiresAt > this.clock.now().getTime() && known.version === this.keySetVersions.get(known.issuer)) return known.token;
    if (known) this.verdicts.delete(token);

    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw DomainError.unauthenticated('The bearer token is not a JWT');
    }
    const keySet = typeof issuer === 'string' ? this.keySets.get(issuer) : undefined;
    const served = typeof issuer === 'string' ? this.served.get(issuer) : undefined;
    if (!issuer || !keySet || !served) throw DomainError.unauthenticated('The token was not issued by a trusted issuer');

    const version = this.keySetVersions.get(issuer);
    const now = this.clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer,
        audience: served.clientId,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: this.config.auth.clockToleranceSeconds,
        currentDate: now,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error: unknown) {
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) {
        this.logger.warn({ issuer, err: error }, 'could not fetch the issuer key set');
      }
      throw DomainError.unauthenticated(reasonOf(error));
    }
    this.checkClaims(payload, served.clientId, now);
    const verified = this.toVerifiedToken(payload, issuer, served.audience);
    this.remember(token, verified, issuer, version, (payload.exp ?? 0) * 1000);
    return verified;
  }

  /**
   * What jose leaves to us: the audience is exactly the issuer's own (an
   * array naming another client too is refused, whichever it is), the
   * subject is a real identifier, and the token was not issued in the future.
   */
  private checkClaims(payload: JWTPayload, clientId: string, now: Date): void {
    const claimed = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (claimed.length !== 1 || claimed[0] !== clientId) {
      const ours = claimed.filter((aud) => typeof aud === 'string' && this.clientIds.has(aud));
      throw DomainError.unauthenticated(ours.length > 1 ? "The token names several of Tessera's audiences" : 'The token must name exactly one audience: its own application');
    }
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.trim().length === 0 || subject.length > MAX_SUBJECT_LENGTH || hasControlCharacter(subject)) {
      throw DomainError.unauthenticated('The token\'s "sub" claim is not acceptable');
    }
    const latest = now.getTime() / 1_000 + this.config.auth.clockToleranceSeconds;
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > latest)) {
      throw DomainError.unauthenticated('The token\'s "iat" claim lies in the future');
    }
  }

  private remember(token: string, verified: VerifiedToken, issuer: string, version: number | undefined, expiresAtMs: number): void {
    // The key set was fetched meanwhile: this verdict may rest on a key that is gone, so keep none.
    if (version === undefined || this.keySetVersions.get(issuer) !== version) return;
    if (this.verdicts.size >= MAX_VERDICTS) this.verdicts.delete(this.verdicts.keys().next().value as string);
    this.verdicts.set(token, { token: verified, issuer, version, expiresAt: Math.min(expiresAtMs, this.clock.now().getTime() + VERDICT_TTL_MS) });
  }

  private toVerifiedToken(payload: JWTPayload, issuer: string, audience: Audience): VerifiedToken {
    const audiences: Audience[] = [audience];
    const groups = Array.isArray(payload['groups']) ? payload['groups'].filter((g): g is string => typeof g === 'string') : [];
    return {
      subject: payload.sub as string,
      issuer,
      audiences,
      email: stringClaim(payload, 'email'),
      name: stringClaim(payload, 'name'),
      username: stringClaim(payload, 'preferred_username'),
      groups,
    };
  }
}

function hasControlCharacter(value: string): boolean {
  return [...value].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f);
}

function stringClaim(payload: JWTPayload, name: string): string | null {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not acceptable`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is not signed with an accepted algorithm';
  if (error instanceof errors.JWKSNoMatchingKey) return "The token's signing key is not known";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The token's signature is not valid";
  if (error instanceof errors.JOSEError) return 'The token is not valid';
  return 'The token could not be verified right now';
}
