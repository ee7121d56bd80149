import { Injectable } from '@nestjs/common';
import type { Plan, Subscription as SubscriptionShape, SubscriptionStatus } from '@tessera/contracts';
import { changesBetween, mutation, type Mutation } from '../audit/mutation';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { Notifier } from '../common/notifier';
import { PlanCatalog } from '../plans/plan-catalog.service';
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

const UPDATABLE_FIELDS = ['status', 'monthlyPrice', 'currency', 'trialEndsAt', 'externalCustomerId', 'externalSubscriptionId'] as const;

/** How long a paid plan's trial lasts from sign-up. */
export const TRIAL_DAYS = 14;

@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly catalog: PlanCatalog,
    private readonly clock: Clock,
    private readonly notifier: Notifier,
  ) {}

  /** Opens the tenant's subscription at its plan's list price (the catalogue's first currency); a paid plan starts on trial. Idempotent. */
  async open(tenant: SubscribedTenant): Promise<SubscriptionRecord> {
    const price = await this.catalog.priceOf(tenant.plan);
    const trial = price.monthlyPrice > 0;
    return this.subscriptions.ensure(tenant.id, {
      plan: tenant.plan,
      partnerId: tenant.partnerId,
      status: trial ? 'trialing' : 'active',
      trialEndsAt: trial ? new Date(this.clock.now().getTime() + TRIAL_DAYS * 86_400_000) : null,
      ...price,
    });
  }

  /**
   * Follows a tenant's plan change with the new plan's price in the
   * subscription's currency when the plan has one, else its list price.
   */
  async changePlan(tenant: SubscribedTenant): Promise<void> {
    const current = await this.subscriptions.findByTenant(tenant.id);
    await this.subscriptions.update(tenant.id, { plan: tenant.plan, ...(await this.catalog.priceOf(tenant.plan, current?.currency)) });
  }

  async setStatus(tenant: SubscribedTenant, status: SubscriptionStatus): Promise<void> {
    await this.subscriptions.update(tenant.id, { status });
  }

  /** Follows a tenant's suspension or resumption: a suspended tenant's subscription counts for no MRR. */
  async followSuspension(tenant: SubscribedTenant, suspended: boolean): Promise<void> {
    await this.subscriptions.update(tenant.id, { tenantSuspended: suspended });
  }

  /** At start: the suspension of every tenant copied to its subscription (records from before the copy). */
  markSuspended(tenantIds: string[]): Promise<void> {
    return this.subscriptions.markSuspended(tenantIds);
  }

  mrrGroups() {
    return this.subscriptions.mrrGroups();
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
    const { trialEndsAt, ...rest } = dto;
    const changes = { ...rest, ...(trialEndsAt !== undefined ? { trialEndsAt: trialEndsAt === null ? null : new Date(trialEndsAt) } : {}) };
    const updated = (await this.subscriptions.update(tenant.id, changes)) ?? before;
    if (before.status !== 'past_due' && updated.status === 'past_due') {
      await this.notifier.notify({
        kind: 'billing.past_due',
        tenantId: tenant.id,
        partnerId: updated.partnerId,
        subject: `The subscription of ${tenant.slug} is past due`,
        text: `The subscription of ${tenant.slug} (${updated.plan} plan, ${updated.monthlyPrice} ${updated.currency} a month) is past due. Please settle the open invoice so that the workspace keeps running.`,
        key: `billing.past_due:${tenant.id}:${this.clock.now().toISOString()}`,
      });
    }
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
