import type { TenantDomain } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<TenantDomain[]>(event, `/tenants/${param(event, 'slug')}/domains`));
