import { Injectable } from '@nestjs/common';
import type { Plan, Subscription as SubscriptionShape, SubscriptionStatus } from '@tessera/contracts';
import { changesBetween, mutation, type Mutation } from '../audit/mutation';
import { DomainError } from '../common/errors/domain-error';
import { PLAN_PRICES } from './plan-catalog';
import type { SubscriptionRecord } from './subscription.schema';
import { mapSubscription, type UpdateSubscriptionDto } from './subscription.dto';
import { SubscriptionsRepository } from './subscriptions.repository';

/** What a subscription needs to know of its tenant. */
export interface SubscribedTenant {
  id: string;
  slug: string;
  plan: Plan;
  partnerId: string | null;
}

const UPDATABLE_FIELDS = ['status', 'monthlyPrice', 'currency', 'externalCustomerId', 'externalSubscriptionId'] as const;

@Injectable()
export class SubscriptionsService {
  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  /** Opens the tenant's subscription at its plan's list price; a paid plan starts on trial. Idempotent. */
  open(tenant: SubscribedTenant): Promise<SubscriptionRecord> {
    return this.subscriptions.ensure(tenant.id, {
      plan: tenant.plan,
      partnerId: tenant.partnerId,
      status: tenant.plan === 'free' ? 'active' : 'trialing',
      ...PLAN_PRICES[tenant.plan],
    });
  }

  /** Follows a tenant's plan change with the new plan's list price. */
  async changePlan(tenant: SubscribedTenant): Promise<void> {
    await this.subscriptions.update(tenant.id, { plan: tenant.plan, ...PLAN_PRICES[tenant.plan] });
  }

  async setStatus(tenant: SubscribedTenant, status: SubscriptionStatus): Promise<void> {
    await this.subscriptions.update(tenant.id, { status });
  }

  /** Follows a tenant's move to another partner, or away from one. */
  async followPartner(tenant: SubscribedTenant): Promise<void> {
    await this.subscriptions.setPartner(tenant.id, tenant.partnerId);
  }

  grossMrrByPartner(partnerIds: string[]) {
    return this.subscriptions.grossMrrByPartner(partnerIds);
  }

  grossMrrAll() {
    return this.subscriptions.grossMrrAll();
  }

  pastDue(partnerId: string): Promise<SubscriptionRecord[]> {
    return this.subscriptions.ofPartnerWithStatus(partnerId, 'past_due');
  }

  /** The subscription status of each of these tenants, by tenant id, in one query. */
  statusesOf(tenantIds: string[]): Promise<Map<string, SubscriptionStatus>> {
    return this.subscriptions.statusesOf(tenantIds);
  }

  async read(tenant: Pick<SubscribedTenant, 'id' | 'slug'>): Promise<SubscriptionShape> {
    return mapSubscription(await this.find(tenant));
  }

  async update(tenant: Pick<SubscribedTenant, 'id' | 'slug'>, dto: UpdateSubscriptionDto): Promise<Mutation<SubscriptionShape>> {
    const before = await this.find(tenant);
    const updated = (await this.subscriptions.update(tenant.id, { ...dto })) ?? before;
    return mutation(mapSubscription(updated), {
      action: 'subscription.update',
      target: { type: 'subscription', id: updated.id },
      tenantId: tenant.id,
      changes: changesBetween(before, updated, UPDATABLE_FIELDS),
    });
  }

  private async find(tenant: Pick<SubscribedTenant, 'id' | 'slug'>): Promise<SubscriptionRecord> {
    const subscription = await this.subscriptions.findByTenant(tenant.id);
    if (!subscription) throw DomainError.notFound(`The subscription of ${tenant.slug}`);
    return subscription;
  }
}
