import type { Member, TenantRole } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<Member>(event, `/tenants/${param(event, 'slug')}/members/${param(event, 'userId')}`, { method: 'PATCH', body: await readBody<{ role: TenantRole }>(event) }),
);
