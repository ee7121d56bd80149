import type { FlagEvaluation } from '@tessera/contracts';

/** The truth map for the session's tenant, or the one named: the API decides whether the caller may see it. */
export default defineEventHandler(async (event) => {
  const body = (await readBody<{ tenantSlug?: string } | null>(event)) ?? {};
  return callApi<FlagEvaluation>(event, '/flags/evaluate', { method: 'POST', body: body.tenantSlug ? { tenantSlug: body.tenantSlug } : {} });
});
