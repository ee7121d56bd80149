import type { Branding } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<{ partner: string | null; branding: Branding }>(event, `/tenants/${param(event, 'slug')}/branding`));
