import { USAGE_RANGES, type UsageHistory, type UsageRange } from '@tessera/contracts';

/** The workspace's usage over a range, with its plan's limits. */
export default defineEventHandler((event) => {
  const range = String(getQuery(event).range ?? '24h');
  return callApi<UsageHistory>(event, `/tenants/${param(event, 'slug')}/workspace/usage`, { query: { range: (USAGE_RANGES as readonly string[]).includes(range) ? (range as UsageRange) : '24h' } });
});
