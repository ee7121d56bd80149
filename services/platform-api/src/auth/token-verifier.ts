import { Injectable, Logger } from '@nestjs/common';
import type { Audience } from '@tessera/contracts';
import { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
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

/**
 * Verifies access tokens against the JWKS of the issuer that signed them.
 * jose caches each key set and fetches it again for an unknown `kid` at most
 * once per cooldown.
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly keySets = new Map<string, RemoteKeySet>();
  /** Per issuer, bumped by every fetch of its key set: verdicts reached with an older set are not reused. */
  private readonly keySetVersions = new Map<string, number>();
  private readonly audienceNames: Map<string, Audience>;
  /**
   * Tokens already verified, by their exact string: a client sends the same
   * token with every request until it expires, and verifying it again costs
   * more than the rest of a cached read. A verdict is reused only while its
   * issuer's key set is the one it was reached with, and never past `exp`.
   */
  private readonly verdicts = new Map<string, { token: VerifiedToken; issuer: string; version: number; expiresAt: number }>();

  constructor(private readonly config: AppConfig) {
    for (const { issuer, jwksUrl } of config.auth.issuers) {
      this.keySetVersions.set(issuer, 0);
      const keys = createRemoteJWKSet(new URL(jwksUrl), {
        cooldownDuration: config.auth.jwksCooldownMs,
        timeoutDuration: config.auth.jwksTimeoutMs,
        [customFetch]: async (url, options) => {
          const response = await fetch(url, options);
          this.keySetVersions.set(issuer, (this.keySetVersions.get(issuer) ?? 0) + 1);
          return response;
        },
      });
      this.keySets.set(issuer, keys);
    }
    const { portal, operator, ci } = config.auth.audiences;
    this.audienceNames = new Map<string, Audience>([
      [portal, 'portal'],
      [operator, 'operator'],
      [ci, 'ci'],
    ]);
  }

  async verify(token: string): Promise<VerifiedToken> {
    const known = this.verdicts.get(token);
    if (known && known.expiresAt > Date.now() && known.version === this.keySetVersions.get(known.issuer)) return known.token;
    if (known) this.verdicts.delete(token);

    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw DomainError.unauthenticated('The bearer token is not a JWT');
    }
    const keySet = issuer === undefined ? undefined : this.keySets.get(issuer);
    if (!issuer || !keySet) throw DomainError.unauthenticated('The token was not issued by a trusted issuer');

    const version = this.keySetVersions.get(issuer);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer,
        audience: [...this.audienceNames.keys()],
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: this.config.auth.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error: unknown) {
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) {
        this.logger.warn({ issuer, err: error }, 'could not fetch the issuer key set');
      }
      throw DomainError.unauthenticated(reasonOf(error));
    }
    const verified = this.toVerifiedToken(payload, issuer);
    this.remember(token, verified, issuer, version, (payload.exp ?? 0) * 1000);
    return verified;
  }

  private remember(token: string, verified: VerifiedToken, issuer: string, version: number | undefined, expiresAtMs: number): void {
    // The key set was fetched meanwhile: this verdict may rest on a key that is gone, so keep none.
    if (version === undefined || this.keySetVersions.get(issuer) !== version) return;
    if (this.verdicts.size >= MAX_VERDICTS) this.verdicts.delete(this.verdicts.keys().next().value as string);
    this.verdicts.set(token, { token: verified, issuer, version, expiresAt: Math.min(expiresAtMs, Date.now() + VERDICT_TTL_MS) });
  }

  private toVerifiedToken(payload: JWTPayload, issuer: string): VerifiedToken {
    const claimed = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const audiences = [...new Set(claimed.flatMap((aud) => this.audienceNames.get(aud ?? '') ?? []))];
    const groups = Array.isArray(payload['groups']) ? payload['groups'].filter((g): g is string => typeof g === 'string') : [];
    return {
      subject: payload.sub ?? '',
      issuer,
      audiences,
      email: stringClaim(payload, 'email'),
      name: stringClaim(payload, 'name'),
      username: stringClaim(payload, 'preferred_username'),
      groups,
    };
  }
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
