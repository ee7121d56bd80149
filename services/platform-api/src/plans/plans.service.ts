import { Injectable } from '@nestjs/common';
import type { CatalogPlan as CatalogPlanShape, Plan, PlanChangeResult, PlanOffer } from '@tessera/contracts';
import { changesBetween, mutation, type Mutation } from '../audit/mutation';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { PlanCatalog } from './plan-catalog.service';
import { mapCatalogPlan, mapOffer, workspaceFingerprint, type UpdatePlanDto } from './plan.dto';
import type { PlanFields, PlanRecord } from './plan.schema';
import { PlansRepository } from './plans.repository';
import { PlanTenants } from './plan-tenants';

const AUDITED_FIELDS = ['name', 'description', 'limits', 'prices', 'sleeps', 'idleSeconds', 'template', 'backups', 'archived'] as const;


/**
 * The operators' side of the catalogue: every plan with its tenants, edits,
 * archive and restore. Every change is audited with the fields before and
 * after; a change of limits or template reprovisions the plan's tenants.
 */
@Injectable()
export class PlansService {
  constructor(
    private readonly catalog: PlanCatalog,
    private readonly plans: PlansRepository,
    private readonly tenants: PlanTenants,
    private readonly clock: Clock,
  ) {}

  /** The plans a new tenant or a change of plan may choose. */
  async offers(): Promise<PlanOffer[]> {
    return (await this.catalog.list()).filter((plan) => !plan.archived).map(mapOffer);
  }

  async list(): Promise<CatalogPlanShape[]> {
    const [plans, counts] = await Promise.all([this.catalog.list(), this.tenants.countByPlan()]);
    return plans.map((plan) => mapCatalogPlan(plan, counts[plan.key] ?? 0));
  }

  async update(key: Plan, dto: UpdatePlanDto): Promise<Mutation<PlanChangeResult>> {
    const before = await this.catalog.get(key);
    const changes: Partial<PlanFields> = {};
    if (dto.name !== undefined) changes.name = dto.name.trim();
    if (dto.description !== undefined) changes.description = dto.description.trim();
    if (dto.limits) changes.limits = { cpus: dto.limits.cpus, memoryMb: dto.limits.memoryMb, pids: dto.limits.pids };
    if (dto.prices) changes.prices = checkedPrices(dto.prices);
    if (dto.sleeps !== undefined) changes.sleeps = dto.sleeps;
    if (dto.idleSeconds !== undefined) changes.idleSeconds = dto.idleSeconds;
    if (dto.backups) changes.backups = { intervalHours: dto.backups.intervalHours, keepLast: dto.backups.keepLast, keepDaily: dto.backups.keepDaily };
    if (dto.template) {
      changes.template = {
        image: dto.template.image,
        command: [...dto.template.command],
        services: checkedServices(dto.template.services),
      };
    }
    return this.write(before, changes, 'plan.update');
  }

  async archive(key: Plan, reason?: string): Promise<Mutation<PlanChangeResult>> {
    const before = await this.catalog.get(key);
    if (before.archived) throw DomainError.conflict(`The ${before.name} plan is archived already`);
    if ((await this.catalog.list()).filter((plan) => !plan.archived).length <= 1) throw DomainError.conflict('At least one plan must stay on offer');
    return this.write(before, { archived: true }, 'plan.archive', reason);
  }

  async restore(key: Plan, reason?: string): Promise<Mutation<PlanChangeResult>> {
    const before = await this.catalog.get(key);
    if (!before.archived) throw DomainError.conflict(`The ${before.name} plan is on offer already`);
    return this.write(before, { archived: false }, 'plan.restore', reason);
  }

  private async write(before: PlanRecord, changes: Partial<PlanFields & { archived: boolean }>, action: string, reason?: string): Promise<Mutation<PlanChangeResult>> {
    const after = (await this.plans.update(before.key, changes, this.clock.now())) ?? before;
    const reprovisioning = workspaceFingerprint(before) !== workspaceFingerprint(after) ? await this.tenants.reprovision(after.key) : 0;
    const counts = await this.tenants.countByPlan();
    return mutation(
      { plan: mapCatalogPlan(after, counts[after.key] ?? 0), reprovisioning },
      { action, target: { type: 'plan', id: after.key }, changes: changesBetween(before, after, AUDITED_FIELDS), reason: reason ?? null },
    );
  }
}

function checkedPrices(prices: { currency: string; monthlyPrice: number }[]) {
  const currencies = prices.map((price) => price.currency.toUpperCase());
  if (new Set(currencies).size !== currencies.length) throw DomainError.invalid({ prices: ['each currency may have one price only'] }, 'A plan has one price per currency');
  return prices.map((price, index) => ({ currency: currencies[index]!, monthlyPrice: price.monthlyPrice }));
}

function checkedServices(services: { name: string; port: number }[]) {
  const problems: string[] = [];
  if (new Set(services.map((service) => service.name)).size !== services.length) problems.push('each service needs its own name');
  if (new Set(services.map((service) => service.port)).size !== services.length) problems.push('each service needs its own port');
  if (problems.length > 0) throw DomainError.invalid({ 'template.services': problems }, 'The workspace services must differ in name and port');
  return services.map((service, index) => ({ name: service.name, port: service.port, default: index === 0 }));
}
