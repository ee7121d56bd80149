import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PLANS, type Plan, type PlanPrice } from '@tessera/contracts';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { planDefaults } from './plan-defaults';
import type { PlanRecord } from './plan.schema';
import { PlansRepository } from './plans.repository';

/**
 * The plan catalogue as every feature reads it: provisioning (limits,
 * template), the edge (services, sleep), subscriptions (prices), sign-up
 * (which plans may be chosen). Seeded before anything else starts, so every
 * plan key always has its record.
 */
@Injectable()
export class PlanCatalog implements OnModuleInit {
  constructor(
    private readonly plans: PlansRepository,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const plan of PLANS) await this.plans.seed(plan, planDefaults(plan, this.config));
  }

  list(): Promise<PlanRecord[]> {
    return this.plans.list();
  }

  /** The plan's record; the environment's defaults should the record ever be missing. */
  async get(plan: Plan): Promise<PlanRecord> {
    const found = (await this.plans.list()).find((record) => record.key === plan);
    return found ?? { key: plan, ...planDefaults(plan, this.config), archived: false, editedAt: null, updatedAt: new Date(0) };
  }

  /** Refuses a plan that is archived for a new tenant or a change of plan. */
  async assertChoosable(plan: Plan): Promise<PlanRecord> {
    const record = await this.get(plan);
    if (record.archived) throw DomainError.conflict(`The ${record.name} plan is no longer offered`);
    return record;
  }

  /** The plan's price in `currency` when it has one, else its list price (the first). */
  async priceOf(plan: Plan, currency?: string): Promise<PlanPrice> {
    const { prices } = await this.get(plan);
    const price = prices.find((candidate) => candidate.currency === currency) ?? prices[0];
    return price ? { ...price } : { currency: 'EUR', monthlyPrice: 0 };
  }

  /** Seconds without a request before a workspace on this plan sleeps; 0: never. */
  async idleSeconds(plan: Plan): Promise<number> {
    const record = await this.get(plan);
    return record.sleeps ? record.idleSeconds : 0;
  }
}
