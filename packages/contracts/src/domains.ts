/**
 * A custom domain of a tenant. It is added as `pending` with a DNS TXT record
 * the owner publishes; once a check finds the record it is `verified`, and
 * only then does the edge route it. A verified domain belongs to one live
 * tenant at a time.
 */
export const DOMAIN_STATES = ['pending', 'verified'] as const;
export type DomainState = (typeof DOMAIN_STATES)[number];

/** The name of the TXT record that proves a domain: `_tessera-challenge.<domain>`. */
export const DOMAIN_CHALLENGE_PREFIX = '_tessera-challenge.';

export interface TenantDomain {
  name: string;
  state: DomainState;
  /** The record to publish at the domain's DNS provider. */
  record: { type: 'TXT'; name: string; value: string };
  addedAt: string;
  verifiedAt: string | null;
  /** When a check last looked the record up. */
  lastCheckedAt: string | null;
  /** Why the last check did not verify the domain, in a sentence; null once verified. */
  lastError: string | null;
}

export interface AddDomainRequest {
  name: string;
}
