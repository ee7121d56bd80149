import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Plan, SubscriptionStatus, TenantStatus } from '@tessera/contracts';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { ReconcileService } from '../provisioning/reconcile.service';
import type { PartnerRecord } from '../partners/partner.schema';
import { PartnersRepository } from '../partners/partners.repository';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';

interface SeedTenant {
  slug: string;
  name: string;
  plan: Plan;
  status: TenantStatus;
  subscriptionStatus?: SubscriptionStatus;
  industry: string | null;
  /** Sold through the demo partner. */
  viaPartner?: boolean;
}

/** The demo reseller: parker's partner in dev-idp (`partner:northwind-reseller:admin`). */
const DEMO_PARTNER = { slug: 'northwind-reseller', name: 'Northwind Reseller', marginPct: 20 };

/** Demo tenants for local runs (SEED_DEMO=true). Memberships come from dev-idp's groups. */
const DEMO_TENANTS: SeedTenant[] = [
  { slug: 'northwind', name: 'Northwind Traders', plan: 'business', status: 'active', subscriptionStatus: 'active', industry: 'retail', viaPartner: true },
  { slug: 'globex', name: 'Globex Corporation', plan: 'starter', status: 'active', subscriptionStatus: 'past_due', industry: 'manufacturing', viaPartner: true },
  { slug: 'initech', name: 'Initech', plan: 'enterprise', status: 'suspended', subscriptionStatus: 'active', industry: 'software' },
];

/**
 * At every start, idempotently: the default tenant and its subscription, and,
 * when SEED_DEMO is on, the demo tenants; and each subscription learns
 * whether its tenant is suspended. (The plan catalogue seeds itself: PlanCatalog.) Existing records are left as they are.
 */
@Injectable()
export class SeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly tenants: TenantsRepository,
    private readonly partners: PartnersRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly audit: AuditService,
    private readonly provisioning: ReconcileService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const wanted: SeedTenant[] = [
      { slug: this.config.seed.defaultTenantSlug, name: 'Default workspace', plan: 'free', status: 'active', industry: null },
      ...(this.config.seed.demo ? DEMO_TENANTS : []),
    ];
    const partner = this.config.seed.demo ? await this.ensurePartner() : null;
    for (const seed of wanted) this.provisioning.start(await this.ensure(seed, seed.viaPartner ? partner : null));
    // Subscriptions from before they carried their tenant's suspension learn it here, so MRR leaves them out.
    await this.subscriptions.markSuspended((await this.tenants.listAll()).filter((tenant) => tenant.status === 'suspended').map((tenant) => tenant.id));
  }

  private async ensurePartner(): Promise<PartnerRecord> {
    const existing = await this.partners.findBySlug(DEMO_PARTNER.slug);
    if (existing) return existing;
    const partner = await this.partners.create(DEMO_PARTNER);
    await this.audit.recordSystem('seed', {
      action: 'partner.create',
      target: { type: 'partner', id: partner.id },
      partnerId: partner.id,
      changes: { slug: { from: null, to: partner.slug }, marginPct: { from: null, to: partner.marginPct } },
    });
    return partner;
  }

  private async ensure(seed: SeedTenant, partner: PartnerRecord | null): Promise<TenantRecord> {
    const { tenant, created } = await this.tenants.ensure({
      slug: seed.slug,
      name: seed.name,
      plan: seed.plan,
      status: seed.status,
      industry: seed.industry,
      brandColor: null,
      partnerId: partner?.id ?? null,
    });
    const subscription = await this.subscriptions.open(tenant);
    if (!created) return tenant;
    if (seed.subscriptionStatus && subscription.status !== seed.subscriptionStatus) {
      await this.subscriptions.setStatus(tenant, seed.subscriptionStatus);
    }
    await this.audit.recordSystem('seed', {
      action: 'tenant.create',
      target: { type: 'tenant', id: tenant.id },
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      changes: { slug: { from: null, to: tenant.slug }, status: { from: null, to: tenant.status } },
    });
    this.logger.log({ tenant: tenant.slug }, 'seeded tenant');
    return tenant;
  }
}
