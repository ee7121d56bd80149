import type { SupportGrant } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<SupportGrant[]>(event, `/tenants/${param(event, 'slug')}/support-access`));
