import type { Branding, Partner } from '@tessera/contracts';

export default defineEventHandler(async (event) => callApi<Partner>(event, `/partners/${param(event, 'partner')}/branding`, { method: 'PATCH', body: await readBody<Partial<Branding>>(event) }));
