import type { SupportGrant } from '@tessera/contracts';

const DECISIONS = new Set(['approve', 'deny', 'revoke']);

export default defineEventHandler((event) => {
  const decision = param(event, 'decision');
  if (!DECISIONS.has(decision)) throw createError({ statusCode: 404, statusMessage: 'NOT_FOUND', message: `No decision "${decision}"` });
  return callApi<SupportGrant>(event, `/tenants/${param(event, 'slug')}/support-access/${param(event, 'id')}/${decision}`, { method: 'POST' });
});
