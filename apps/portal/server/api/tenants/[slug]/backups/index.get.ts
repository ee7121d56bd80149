import type { Page, TenantBackup } from '@tessera/contracts';

export default defineEventHandler((event) => {
  const page = Number(getQuery(event).page ?? 1);
  return callApi<Page<TenantBackup>>(event, `/tenants/${param(event, 'slug')}/backups`, { query: { page: Number.isInteger(page) && page > 0 ? page : 1, pageSize: 20 } });
});
