import type { Member } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<Member[]>(event, `/tenants/${param(event, 'slug')}/members`));
