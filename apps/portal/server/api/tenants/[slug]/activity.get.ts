import type { AuditEvent, Page } from '@tessera/contracts';

/** The tenant's activity, for its members; the page's filters pass through (the API checks them). */
export default defineEventHandler((event) => {
  const { action, page, pageSize } = getQuery(event);
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries({ action, page, pageSize })) if (typeof value === 'string' && value) query[name] = value;
  return callApi<Page<AuditEvent>>(event, `/tenants/${param(event, 'slug')}/activity`, { query });
});
