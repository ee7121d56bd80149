import { Injectable } from '@nestjs/common';
import { MRR_STATUSES, PLANS, SUBSCRIPTION_STATUSES, TENANT_STATUSES, type Mrr, type MrrBreakdown, type MrrBucket, type MrrLine, type PlatformOverview } from '@tessera/contracts';
import type { PartnerRecord } from '../partners/partner.schema';
import { PartnersRepository } from '../partners/partners.repository';
import { PlanCatalog } from '../plans/plan-catalog.service';
import type { MrrGroup } from '../subscriptions/subscriptions.repository';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { TenantHealthService } from '../tenants/tenant-health.service';
import { TenantsRepository } from '../tenants/tenants.repository';

const IN_ERROR_SHOWN = 50;
const BUCKETS: readonly MrrBucket[] = [...SUBSCRIPTION_STATUSES, 'suspended'];

/** Whether a group counts towards MRR (docs/api.md, "MRR"): a counted status, and its tenant not suspended. */
const counts = (group: MrrGroup) => MRR_STATUSES.includes(group.status) && !group.tenantSuspended;
const bucketOf = (group: MrrGroup): MrrBucket => (group.tenantSuspended && group.status !== 'canceled' ? 'suspended' : group.status);

/** Sums groups into one line per currency, sorted by currency. */
function linesOf(groups: MrrGroup[]): MrrLine[] {
  const byCurrency = new Map<string, MrrLine>();
  for (const group of groups) {
    const line = byCurrency.get(group.currency) ?? { currency: group.currency, amount: 0, subscriptions: 0 };
    line.amount += group.amount;
    line.subscriptions += group.subscriptions;
    byCurrency.set(group.currency, line);
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/**
 * The operators' dashboard in one answer: tenants by status, MRR in total,
 * per partner and broken down (summed by the database), and the tenants in
 * error.
 */
@Injectable()
export class OverviewService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly partners: PartnersRepository,
    private readonly health: TenantHealthService,
    private readonly catalog: PlanCatalog,
  ) {}

  async read(): Promise<PlatformOverview> {
    const [counts_, groups, inError, plans] = await Promise.all([this.tenants.countByStatus(), this.subscriptions.mrrGroups(), this.tenants.listInError(IN_ERROR_SHOWN), this.catalog.list()]);
    const partnerIds = [...new Set(groups.flatMap((group) => (group.partnerId ? [group.partnerId] : [])))];
    const partners = new Map((await this.partners.findByIds(partnerIds)).map((p) => [p.id, p]));
    const counted = groups.filter(counts);
    const breakdown = this.breakdown(groups, counted, partners, new Map(plans.map((plan) => [plan.key, plan.name])));

    const byPartner = breakdown.byPartner.flatMap((entry) => {
      const partner = entry.partnerId ? partners.get(entry.partnerId) : undefined;
      if (!partner) return [];
      const mrr: Mrr[] = entry.lines.map((line) => ({ currency: line.currency, gross: line.amount, margin: Math.round((line.amount * partner.marginPct) / 100) }));
      return [{ partnerId: partner.id, partnerSlug: partner.slug, partnerName: partner.name, mrr }];
    });
    return {
      tenantsByStatus: Object.fromEntries(TENANT_STATUSES.map((status) => [status, counts_[status] ?? 0])) as PlatformOverview['tenantsByStatus'],
      mrr: {
        total: breakdown.byCurrency.map((line) => ({ currency: line.currency, gross: line.amount })),
        partners: byPartner.sort((a, b) => a.partnerSlug.localeCompare(b.partnerSlug)),
        breakdown,
      },
      inError: await this.health.describe(inError),
    };
  }

  private breakdown(groups: MrrGroup[], counted: MrrGroup[], partners: Map<string, PartnerRecord>, planNames: Map<string, string>): MrrBreakdown {
    const partnerKeys = [...new Set(counted.map((group) => group.partnerId))];
    return {
      countedStatuses: [...MRR_STATUSES],
      byStatus: BUCKETS.map((status) => ({
        status,
        counted: status !== 'suspended' && MRR_STATUSES.includes(status),
        lines: linesOf(groups.filter((group) => bucketOf(group) === status)),
      })),
      byPlan: PLANS.map((plan) => ({ plan, name: planNames.get(plan) ?? plan, lines: linesOf(counted.filter((group) => group.plan === plan)) })).filter((entry) => entry.lines.length > 0),
      byPartner: partnerKeys
        .map((partnerId) => {
          const partner = partnerId ? partners.get(partnerId) : undefined;
          return {
            partnerId,
            partnerSlug: partner?.slug ?? null,
            partnerName: partnerId === null ? 'Sold directly' : (partner?.name ?? 'A partner no longer on record'),
            lines: linesOf(counted.filter((group) => group.partnerId === partnerId)),
          };
        })
        .sort((a, b) => (a.partnerId === null ? -1 : b.partnerId === null ? 1 : a.partnerName.localeCompare(b.partnerName))),
      byCurrency: linesOf(counted),
    };
  }
}
