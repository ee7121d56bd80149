import type { PartnerTeamMember } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<PartnerTeamMember[]>(event, `/partners/${param(event, 'partner')}/team`));
