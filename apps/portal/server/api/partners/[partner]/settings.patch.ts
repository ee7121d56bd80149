import type { Partner, PartnerBilling, PartnerContact } from '@tessera/contracts';

type SettingsChange = { contact?: Partial<PartnerContact>; billing?: Partial<PartnerBilling>; notificationEmail?: string | null };

export default defineEventHandler(async (event) => callApi<Partner>(event, `/partners/${param(event, 'partner')}/settings`, { method: 'PATCH', body: await readBody<SettingsChange>(event) }));
