import { Injectable } from '@nestjs/common';
import type { Subscription as SubscriptionShape, SubscriptionStatus } from '@tessera/contracts';
import { changesBetween, mutation, type Mutation } from '../audit/mutation';
import type { Types } from 'mongoose';
import { DomainError } from '../common/errors/domain-error';
import type { TenantDocument } from '../tenants/tenant.schema';
import { PLAN_PRICES } from './plan-catalog';
import type { SubscriptionDocument } from './subscription.schema';
import { mapSubscription, type UpdateSubscriptionDto } from './subscription.dto';
import { SubscriptionsRepository } from './subscriptions.repository';

const UPDATABLE_FIELDS = ['status', 'monthlyPrice', 'currency', 'externalCustomerId', 'externalSubscriptionId'] as const;

@Injectable()
export class SubscriptionsService {
  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  /** Opens the tenant's subscription at its plan's list price; a paid plan starts on trial. Idempotent. */
  open(tenant: TenantDocument): Promise<SubscriptionDocument> {
    return this.subscriptions.ensure(tenant._id, {
      plan: tenant.plan,
      partnerId: tenant.partnerId,
      status: tenant.plan === 'free' ? 'active' : 'trialing',
      ...PLAN_PRICES[tenant.plan],
    });
  }

  /** Follows a tenant's plan change with the new plan's list price. */
  async changePlan(tenant: TenantDocument): Promise<void> {
    await this.subscriptions.update(tenant._id, { plan: tenant.plan, ...PLAN_PRICES[tenant.plan] });
  }

  async setStatus(tenant: TenantDocument, status: SubscriptionStatus): Promise<void> {
    await this.subscriptions.update(tenant._id, { status });
  }

  /** Follows a tenant's move to another partner, or away from one. */
  async followPartner(tenant: TenantDocument): Promise<void> {
    await this.subscriptions.setPartner(tenant._id, tenant.partnerId);
  }

  grossMrrByPartner(partnerIds: Types.ObjectId[]) {
    return this.subscriptions.grossMrrByPartner(partnerIds);
  }

  grossMrrAll() {
    return this.subscriptions.grossMrrAll();
  }

  pastDue(partnerId: Types.ObjectId): Promise<SubscriptionDocument[]> {
    return this.subscriptions.ofPartnerWithStatus(partnerId, 'past_due');
  }

  /** The subscription status of each of these tenants, by tenant id, in one query. */
  statusesOf(tenantIds: Types.ObjectId[]): Promise<Map<string, SubscriptionStatus>> {
    return this.subscriptions.statusesOf(tenantIds);
  }

  async read(tenant: TenantDocument): Promise<SubscriptionShape> {
    return mapSubscription(await this.find(tenant));
  }

  async update(tenant: TenantDocument, dto: UpdateSubscriptionDto): Promise<Mutation<SubscriptionShape>> {
    const before = await this.find(tenant);
    const updated = (await this.subscriptions.update(tenant._id, { ...dto })) ?? before;
    return mutation(mapSubscription(updated), {
      action: 'subscription.update',
      target: { type: 'subscription', id: updated._id.toHexString() },
      tenantId: tenant._id.toHexString(),
      changes: changesBetween(before.toObject(), updated.toObject(), UPDATABLE_FIELDS),
    });
  }

  private async find(tenant: TenantDocument): Promise<SubscriptionDocument> {
    const subscription = await this.subscriptions.findByTenant(tenant._id);
    if (!subscription) throw DomainError.notFound(`The subscription of ${tenant.slug}`);
    return subscription;
  }
}
