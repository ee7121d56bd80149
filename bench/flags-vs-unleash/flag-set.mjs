// The same flags for Tessera and for Unleash, from one neutral description,
// and what each system should answer. Pure: no I/O, no dependencies.
//
// A flag is a kill switch, an optional targeting rule (a tenant list, a plan
// or a partner) and a gradual rollout; it is on for a tenant when it is
// switched on and the targeting rule matches or the tenant falls in the rollout.
//
//   Tessera: enabled, rules [<targeting> → true, percentage p → true] (first match wins, default false)
//   Unleash: the flag on in `development`, strategies (any one enables it):
//            default with a constraint (userId | plan | partnerId IN …),
//            flexibleRollout { rollout: p, stickiness: userId, groupId: <flag key> }
//   the context of a tenant: userId = the tenant's id, properties plan and partnerId
//
// The rollouts hash the same string in both, `<flag key>:<tenant id>`, with the
// same MurmurHash3 (x86, 32-bit, seed 0), but read different digits of it:
// Tessera takes h mod 10,000 and is on below 100·p, Unleash takes h mod 100
// (+1) and is on up to p. So the same p turns on the same share of tenants,
// but not the same tenants: for 0 < p < 100 no choice of group id or
// stickiness makes them agree (Tessera's bucket is ⌊(h mod 10,000) / 100⌋ < p,
// Unleash's is h mod 100 < p; a hash h = 100·p is on in Unleash and off in
// Tessera), and Tessera's API takes whole percentages only, so it cannot be
// given Unleash's buckets as a rule set either (that would need 200 rules of
// fractional percentages a flag; it takes 50 of whole ones).

export const PLANS = ['free', 'starter', 'business', 'enterprise'];
export const ENVIRONMENT = 'development';

/** A small seeded generator (mulberry32): the same population and flags on every run. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex24 = (next) => Array.from({ length: 24 }, () => Math.floor(next() * 16).toString(16)).join('');

/**
 * `count` tenants: the `known` ones first (real tenants, with their ids), then
 * made-up ones with ObjectId-shaped ids, a plan each and a partner for about
 * a third of them.
 */
export function tenantPopulation(count, partnerIds, known = [], seed = 20) {
  const next = random(seed);
  const tenants = [...known];
  while (tenants.length < count) {
    tenants.push({ id: hex24(next), plan: PLANS[Math.floor(next() * PLANS.length)], partnerId: next() < 0.35 ? partnerIds[Math.floor(next() * partnerIds.length)] : null });
  }
  return tenants;
}

/**
 * `count` flags, a quarter each led by a tenant list (50 ids, some of them
 * from `tenants`), a plan rule, a partner rule, or nothing but the rollout;
 * every one with a rollout of (7·i) mod 101 percent; one in ten switched off.
 */
export function flagSet(count, tenants, partnerIds, seed = 5) {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const kind = ['tenants', 'plans', 'partners', 'rollout'][i % 4];
    let targeting = null;
    if (kind === 'tenants') {
      const ids = new Set();
      while (ids.size < 50) ids.add(next() < 0.6 ? tenants[Math.floor(next() * tenants.length)].id : hex24(next));
      targeting = { type: 'tenants', tenantIds: [...ids] };
    } else if (kind === 'plans') {
      // One to three plans: a rule for every plan would leave its rollout nothing to decide.
      targeting = { type: 'plans', plans: PLANS.filter(() => next() < 0.4).slice(0, 3) };
      if (targeting.plans.length === 0) targeting.plans = [PLANS[i % PLANS.length]];
    } else if (kind === 'partners') {
      targeting = { type: 'partners', partnerIds: partnerIds.filter(() => next() < 0.4) };
      if (targeting.partnerIds.length === 0) targeting.partnerIds = [partnerIds[i % partnerIds.length]];
    }
    return { key: `bench-flag-${String(i).padStart(3, '0')}`, enabled: i % 10 !== 0, targeting, rollout: (i * 7) % 101 };
  });
}

/** The body of Tessera's POST /flags for a flag. */
export function tesseraFlag(flag) {
  const lead = flag.targeting && { ...flag.targeting, value: true };
  return {
    key: flag.key,
    description: `Benchmark flag ${flag.key}`,
    owner: 'bench',
    enabled: flag.enabled,
    defaultValue: false,
    rules: [...(lead ? [lead] : []), { type: 'percentage', percentage: flag.rollout, value: true }],
  };
}

const CONTEXT_FIELD = { tenants: 'userId', plans: 'plan', partners: 'partnerId' };
const VALUES = { tenants: 'tenantIds', plans: 'plans', partners: 'partnerIds' };

/** Unleash's strategies for a flag, as its admin API takes them (one call each). */
export function unleashStrategies(flag) {
  const strategies = [];
  if (flag.targeting) {
    const { type } = flag.targeting;
    strategies.push({ name: 'default', parameters: {}, constraints: [{ contextName: CONTEXT_FIELD[type], operator: 'IN', values: flag.targeting[VALUES[type]], caseInsensitive: false, inverted: false }] });
  }
  strategies.push({ name: 'flexibleRollout', parameters: { rollout: String(flag.rollout), stickiness: 'userId', groupId: flag.key }, constraints: [] });
  return strategies;
}

/** A tenant as Unleash's context (unleash-client's shape; the frontend API takes the same as query parameters). */
export function unleashContext(tenant) {
  return { userId: tenant.id, properties: { plan: tenant.plan, ...(tenant.partnerId ? { partnerId: tenant.partnerId } : {}) } };
}

/** The frontend API's query for a tenant: `userId=…&properties[plan]=…`. */
export function frontendQuery(tenant) {
  const query = new URLSearchParams({ userId: tenant.id, 'properties[plan]': tenant.plan });
  if (tenant.partnerId) query.set('properties[partnerId]', tenant.partnerId);
  return query.toString();
}

/** A tenant as Tessera's evaluator takes it. */
export const tesseraSubject = (tenant) => ({ tenantId: tenant.id, plan: tenant.plan, partnerId: tenant.partnerId });

/**
 * What decides a flag for a tenant, from the description alone: `disabled`
 * (off for everyone), `targeting` (the rule matches: on), or `rollout`.
 */
export function decidedBy(flag, tenant) {
  if (!flag.enabled) return 'disabled';
  const t = flag.targeting;
  if (t?.type === 'tenants' && t.tenantIds.includes(tenant.id)) return 'targeting';
  if (t?.type === 'plans' && t.plans.includes(tenant.plan)) return 'targeting';
  if (t?.type === 'partners' && tenant.partnerId && t.partnerIds.includes(tenant.partnerId)) return 'targeting';
  return 'rollout';
}

/**
 * Compares the two truth maps (`tessera[i][key]`, `unleash[i][key]`, booleans,
 * for tenants[i]). Every cell not decided by a rollout must be equal in both
 * and as the description says; for the rollout cells, each flag's share of
 * tenants turned on is compared with its percentage in each system, within
 * `sigmas` binomial standard deviations of the flag's rollout cells (at
 * 1,000 tenants: at most 8 percentage points, at p = 50 %).
 */
export function compareTruthMaps(flags, tenants, tessera, unleash, { sigmas = 5 } = {}) {
  const mismatches = [];
  const rollouts = [];
  let exactCells = 0;
  let agreeing = 0;
  let rolloutCells = 0;
  for (const flag of flags) {
    let on = { tessera: 0, unleash: 0 };
    let cells = 0;
    tenants.forEach((tenant, i) => {
      const [t, u] = [tessera[i][flag.key], unleash[i][flag.key]];
      if (typeof t !== 'boolean' || typeof u !== 'boolean') {
        mismatches.push({ flag: flag.key, tenant: tenant.id, tessera: t, unleash: u, why: 'missing' });
        return;
      }
      const by = decidedBy(flag, tenant);
      if (by === 'rollout') {
        cells += 1;
        on = { tessera: on.tessera + Number(t), unleash: on.unleash + Number(u) };
        agreeing += Number(t === u);
        return;
      }
      exactCells += 1;
      const expected = by === 'targeting';
      if (t !== expected || u !== expected) mismatches.push({ flag: flag.key, tenant: tenant.id, tessera: t, unleash: u, expected, why: by });
    });
    rolloutCells += cells;
    if (cells === 0) continue;
    const p = flag.rollout / 100;
    const tolerance = Math.max(sigmas * Math.sqrt((p * (1 - p)) / cells), 1 / cells);
    const share = { tessera: on.tessera / cells, unleash: on.unleash / cells };
    rollouts.push({ flag: flag.key, percentage: flag.rollout, cells, share, tolerance, within: Math.abs(share.tessera - p) <= tolerance && Math.abs(share.unleash - p) <= tolerance });
  }
  return { mismatches, exactCells, rolloutCells, agreeing, rollouts, outside: rollouts.filter((r) => !r.within) };
}
