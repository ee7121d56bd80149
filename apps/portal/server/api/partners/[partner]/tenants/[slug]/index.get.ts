import type { Tenant } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<Tenant>(event, `/partners/${param(event, 'partner')}/tenants/${param(event, 'slug')}`));
