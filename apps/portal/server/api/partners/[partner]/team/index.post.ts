import type { PartnerRole, PartnerTeamMember } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<PartnerTeamMember>(event, `/partners/${param(event, 'partner')}/team`, { method: 'POST', body: await readBody<{ email: string; name?: string; role: PartnerRole }>(event) }),
);
