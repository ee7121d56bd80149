import type { AddMemberRequest, Member } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<Member>(event, `/tenants/${param(event, 'slug')}/members`, { method: 'POST', body: await readBody<AddMemberRequest>(event) }),
);
