import type { Tenant } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<Tenant>(event, `/tenants/${param(event, 'slug')}`));
