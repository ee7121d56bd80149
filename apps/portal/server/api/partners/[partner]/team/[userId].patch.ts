import type { PartnerRole, PartnerTeamMember } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<PartnerTeamMember>(event, `/partners/${param(event, 'partner')}/team/${param(event, 'userId')}`, { method: 'PATCH', body: await readBody<{ role: PartnerRole }>(event) }),
);
