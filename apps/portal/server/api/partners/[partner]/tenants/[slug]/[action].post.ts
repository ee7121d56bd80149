import type { Tenant } from '@tessera/contracts';

const ACTIONS = new Set(['suspend', 'resume']);

export default defineEventHandler(async (event) => {
  const action = param(event, 'action');
  if (!ACTIONS.has(action)) throw createError({ statusCode: 404, statusMessage: 'NOT_FOUND', message: `No tenant action "${action}"` });
  return callApi<Tenant>(event, `/partners/${param(event, 'partner')}/tenants/${param(event, 'slug')}/${action}`, { method: 'POST', body: (await readBody<{ reason?: string } | null>(event)) ?? {} });
});
