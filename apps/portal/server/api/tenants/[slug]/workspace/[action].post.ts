import type { WorkspaceStatus } from '@tessera/contracts';

const ACTIONS = new Set(['start', 'restart', 'stop']);

export default defineEventHandler((event) => {
  const action = param(event, 'action');
  if (!ACTIONS.has(action)) throw createError({ statusCode: 404, statusMessage: 'NOT_FOUND', message: `No workspace action "${action}"` });
  return callApi<WorkspaceStatus>(event, `/tenants/${param(event, 'slug')}/workspace/${action}`, { method: 'POST' });
});
