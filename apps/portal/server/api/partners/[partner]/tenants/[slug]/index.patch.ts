import type { Tenant, UpdateTenantRequest } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<Tenant>(event, `/partners/${param(event, 'partner')}/tenants/${param(event, 'slug')}`, { method: 'PATCH', body: await readBody<UpdateTenantRequest>(event) }),
);
