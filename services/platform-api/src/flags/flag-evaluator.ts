import type { FlagEvaluation, FlagReason, FlagRule } from '@tessera/contracts';
import { createHash } from 'node:crypto';

export const ROLLOUT_BUCKETS = 10_000;

/** What a flag is evaluated against; null fields for no tenant. */
export interface FlagSubject {
  tenantId: string | null;
  plan: string | null;
  partnerId: string | null;
}

export interface EvaluableFlag {
  key: string;
  enabled: boolean;
  defaultValue: boolean;
  rules: unknown[];
}

/** The tenant's bucket for a flag, 0–9999: stable, and independent between flags. */
export function bucketOf(flagKey: string, tenantId: string): number {
  return createHash('sha256').update(`${flagKey}:${tenantId}`).digest().readUInt32BE(0) % ROLLOUT_BUCKETS;
}

/**
 * One flag's value for one subject. Never throws: a rule it cannot read
 * yields the default with reason `error`.
 */
export function evaluateFlag(flag: EvaluableFlag, subject: FlagSubject): { value: boolean; reason: FlagReason } {
  if (!flag.enabled) return { value: false, reason: 'disabled' };
  for (const candidate of flag.rules) {
    if (!candidate || typeof candidate !== 'object') return { value: flag.defaultValue, reason: 'error' };
    const rule = candidate as Partial<FlagRule> & { type?: unknown; value?: unknown };
    if (typeof rule.value !== 'boolean') return { value: flag.defaultValue, reason: 'error' };
    switch (rule.type) {
      case 'tenants': {
        if (!Array.isArray(rule.tenantIds)) return { value: flag.defaultValue, reason: 'error' };
        if (subject.tenantId && rule.tenantIds.includes(subject.tenantId)) return { value: rule.value, reason: 'rule' };
        break;
      }
      case 'plans': {
        if (!Array.isArray(rule.plans)) return { value: flag.defaultValue, reason: 'error' };
        if (subject.plan && (rule.plans as string[]).includes(subject.plan)) return { value: rule.value, reason: 'rule' };
        break;
      }
      case 'partners': {
        if (!Array.isArray(rule.partnerIds)) return { value: flag.defaultValue, reason: 'error' };
        if (subject.partnerId && rule.partnerIds.includes(subject.partnerId)) return { value: rule.value, reason: 'rule' };
        break;
      }
      case 'percentage': {
        const percentage = rule.percentage;
        if (typeof percentage !== 'number' || !(percentage >= 0 && percentage <= 100)) return { value: flag.defaultValue, reason: 'error' };
        if (subject.tenantId && bucketOf(flag.key, subject.tenantId) < Math.round(percentage * (ROLLOUT_BUCKETS / 100))) {
          return { value: rule.value, reason: 'rollout' };
        }
        break;
      }
      default:
        return { value: flag.defaultValue, reason: 'error' };
    }
  }
  return { value: flag.defaultValue, reason: 'default' };
}

export function evaluateAll(flags: EvaluableFlag[], subject: FlagSubject, tenantSlug: string | null): FlagEvaluation {
  const result: FlagEvaluation = { tenantSlug, flags: {} };
  for (const flag of flags) result.flags[flag.key] = evaluateFlag(flag, subject);
  return result;
}
