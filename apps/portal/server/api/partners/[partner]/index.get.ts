import type { PartnerSummary } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<PartnerSummary>(event, `/partners/${param(event, 'partner')}`));
