import type { AddDomainRequest, TenantDomain } from '@tessera/contracts';

export default defineEventHandler(async (event) => {
  const { name } = await readBody<AddDomainRequest>(event);
  return callApi<TenantDomain>(event, `/tenants/${param(event, 'slug')}/domains`, { method: 'POST', body: { name } });
});
