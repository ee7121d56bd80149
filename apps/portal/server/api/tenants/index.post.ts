import type { CreateTenantRequest, Tenant } from '@tessera/contracts';

export default defineEventHandler(async (event) => callApi<Tenant>(event, '/tenants', { method: 'POST', body: await readBody<CreateTenantRequest>(event) }));
