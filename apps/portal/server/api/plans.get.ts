import type { PlanOffer } from '@tessera/contracts';

/** The plans on offer (sign-up, the billing page). */
export default defineEventHandler((event) => callApi<PlanOffer[]>(event, '/plans'));
