import type { Plan } from './tenants';

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export interface Subscription {
  id: string;
  tenantId: string;
  plan: Plan;
  status: SubscriptionStatus;
  /** Monthly price in minor units (cents) of `currency`. */
  monthlyPrice: number;
  currency: string;
  externalCustomerId: string | null;
  externalSubscriptionId: string | null;
  updatedAt: string;
}
