import type { PartnerAlert } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<PartnerAlert[]>(event, `/partners/${param(event, 'partner')}/alerts`));
