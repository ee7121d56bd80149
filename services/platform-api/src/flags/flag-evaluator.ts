import type { FlagEvaluation, FlagReason, FlagRule } from '@tessera/contracts';

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

/**
 * The tenant's bucket for a flag, 0–9999: stable, and independent between
 * flags because the flag key salts the hash. MurmurHash3 (x86, 32-bit): an
 * evaluation hashes once per percentage rule, and a cryptographic hash made
 * that most of an evaluation's cost (docs/benchmarks.md).
 */
export function bucketOf(flagKey: string, tenantId: string): number {
  return murmur3(`${flagKey}:${tenantId}`) % ROLLOUT_BUCKETS;
}

/** MurmurHash3 x86 32-bit over the string's UTF-16 code units (keys and ids are ASCII), seed 0. */
export function murmur3(text: string): number {
  let h = 0;
  const length = text.length;
  const blocks = length - (length % 4);
  for (let i = 0; i < blocks; i += 4) {
    let k = (text.charCodeAt(i) & 0xff) | ((text.charCodeAt(i + 1) & 0xff) << 8) | ((text.charCodeAt(i + 2) & 0xff) << 16) | ((text.charCodeAt(i + 3) & 0xff) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length - blocks;
  if (rest > 0) {
    let k = text.charCodeAt(blocks) & 0xff;
    if (rest > 1) k |= (text.charCodeAt(blocks + 1) & 0xff) << 8;
    if (rest > 2) k |= (text.charCodeAt(blocks + 2) & 0xff) << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
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
