import type { CreateTenantRequest, Tenant } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<Tenant>(event, `/partners/${param(event, 'partner')}/tenants`, { method: 'POST', body: await readBody<CreateTenantRequest & { ownerEmail?: string }>(event) }),
);
