import type { Plan } from '@tessera/contracts';

/** List prices in minor units per month; an operator may set another price per subscription. */
export const PLAN_PRICES: Record<Plan, { monthlyPrice: number; currency: string }> = {
  free: { monthlyPrice: 0, currency: 'EUR' },
  starter: { monthlyPrice: 1_900, currency: 'EUR' },
  business: { monthlyPrice: 4_900, currency: 'EUR' },
  enterprise: { monthlyPrice: 19_900, currency: 'EUR' },
};
