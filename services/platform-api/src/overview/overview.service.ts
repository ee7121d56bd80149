import { Injectable } from '@nestjs/common';
import { TENANT_STATUSES, type Mrr, type PlatformOverview } from '@tessera/contracts';
import { PartnersRepository } from '../partners/partners.repository';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { TenantHealthService } from '../tenants/tenant-health.service';
import { TenantsRepository } from '../tenants/tenants.repository';

const IN_ERROR_SHOWN = 50;

/**
 * The operators' dashboard in one answer: tenants by status, MRR in total
 * and per partner (summed by the database), and the tenants in error.
 */
@Injectable()
export class OverviewService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly partners: PartnersRepository,
    private readonly health: TenantHealthService,
  ) {}

  async read(): Promise<PlatformOverview> {
    const [counts, mrrRows, inError] = await Promise.all([this.tenants.countByStatus(), this.subscriptions.grossMrrAll(), this.tenants.listInError(IN_ERROR_SHOWN)]);
    const partnerIds = [...new Set(mrrRows.flatMap((row) => (row.partnerId ? [row.partnerId] : [])))];
    const partners = new Map((await this.partners.findByIds(partnerIds)).map((p) => [p.id, p]));

    const total = new Map<string, number>();
    const byPartner = new Map<string, Mrr[]>();
    for (const row of mrrRows) {
      total.set(row.currency, (total.get(row.currency) ?? 0) + row.gross);
      const partner = row.partnerId ? partners.get(row.partnerId) : undefined;
      if (!partner) continue;
      const list = byPartner.get(row.partnerId!) ?? [];
      list.push({ currency: row.currency, gross: row.gross, margin: Math.round((row.gross * partner.marginPct) / 100) });
      byPartner.set(row.partnerId!, list);
    }
    return {
      tenantsByStatus: Object.fromEntries(TENANT_STATUSES.map((status) => [status, counts[status] ?? 0])) as PlatformOverview['tenantsByStatus'],
      mrr: {
        total: [...total.entries()].map(([currency, gross]) => ({ currency, gross })).sort((a, b) => a.currency.localeCompare(b.currency)),
        partners: [...byPartner.entries()]
          .map(([id, mrr]) => ({ partnerId: id, partnerSlug: partners.get(id)!.slug, partnerName: partners.get(id)!.name, mrr }))
          .sort((a, b) => a.partnerSlug.localeCompare(b.partnerSlug)),
      },
      inError: await this.health.describe(inError),
    };
  }
}
