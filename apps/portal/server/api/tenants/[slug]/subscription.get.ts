import type { Subscription } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<Subscription>(event, `/tenants/${param(event, 'slug')}/subscription`));
