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
  /** When the trial ends (paid plans open on a trial); null: no trial. */
  trialEndsAt: string | null;
  externalCustomerId: string | null;
  externalSubscriptionId: string | null;
  updatedAt: string;
}
