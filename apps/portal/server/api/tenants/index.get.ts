import type { Page, Tenant } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<Page<Tenant>>(event, '/tenants', { query: getQuery(event) }));
