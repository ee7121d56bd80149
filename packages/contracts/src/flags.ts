import type { Plan } from './tenants';

export const FLAG_RULE_TYPES = ['tenants', 'plans', 'partners', 'percentage'] as const;
export type FlagRuleType = (typeof FLAG_RULE_TYPES)[number];

/** One targeting rule; the first that matches decides the value. */
export type FlagRule =
  | { type: 'tenants'; tenantIds: string[]; value: boolean }
  | { type: 'plans'; plans: Plan[]; value: boolean }
  | { type: 'partners'; partnerIds: string[]; value: boolean }
  /** `percentage` % of tenants (by a stable hash of the tenant id salted with the flag key, over 10,000 buckets). */
  | { type: 'percentage'; percentage: number; value: boolean };

export interface FeatureFlag {
  key: string;
  description: string;
  /** The kill switch: off means false for everyone. */
  enabled: boolean;
  defaultValue: boolean;
  rules: FlagRule[];
  owner: string;
  /** When the flag is expected to be removed. */
  expiresAt: string | null;
  archived: boolean;
  /** Unchanged for more than 30 days, or fully rolled out. */
  stale: boolean;
  staleReason: string | null;
  updatedAt: string;
}

export type FlagReason = 'default' | 'rule' | 'rollout' | 'disabled' | 'error';

export interface FlagEvaluation {
  tenantSlug: string | null;
  flags: Record<string, { value: boolean; reason: FlagReason }>;
}
