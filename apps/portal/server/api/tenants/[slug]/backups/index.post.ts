import type { TenantBackup } from '@tessera/contracts';

/** Backs the workspace up now (owners): answers when restic has finished, or the API's sentence when it failed. */
export default defineEventHandler((event) => callApi<TenantBackup>(event, `/tenants/${param(event, 'slug')}/backups`, { method: 'POST', body: {} }));
