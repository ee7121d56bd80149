import type { Page, Tenant } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<Page<Tenant>>(event, `/partners/${param(event, 'partner')}/tenants`, { query: getQuery(event) }));
