import { Injectable } from '@nestjs/common';
import type { Branding, Page, Partner as PartnerShape, PartnerSummary, Tenant as TenantShape } from '@tessera/contracts';
import { changesBetween, mutation, tenantTarget, type Mutation } from '../audit/mutation';
import { DomainError } from '../common/errors/domain-error';
import { toSkip } from '../common/http/paging.dto';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { TenantHealthService } from '../tenants/tenant-health.service';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { mapBranding, mapPartner, type BrandingDto, type CreatePartnerDto, type ListPartnersQuery, type PartnerSettingsDto, type UpdatePartnerDto } from './partner.dto';
import type { PartnerRecord } from './partner.schema';
import { PartnersRepository, type PartnerChanges } from './partners.repository';

const AUDITED_FIELDS = ['name', 'marginPct', 'status', 'contact', 'billing', 'notificationEmail', 'branding'] as const;

/** Partners as operators manage them, their own settings and branding, and which tenants belong to which. */
@Injectable()
export class PartnersService {
  constructor(
    private readonly partners: PartnersRepository,
    private readonly tenants: TenantsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly health: TenantHealthService,
  ) {}

  async create(dto: CreatePartnerDto): Promise<Mutation<PartnerShape>> {
    const partner = await this.partners.create({ slug: dto.slug, name: dto.name, marginPct: dto.marginPct ?? 0 });
    return mutation(mapPartner(partner), {
      action: 'partner.create',
      ...partnerTarget(partner),
      changes: { slug: { from: null, to: partner.slug }, name: { from: null, to: partner.name }, marginPct: { from: null, to: partner.marginPct } },
    });
  }

  /** A page of partners, each with its customer count and MRR as the database sums them. */
  async list(query: ListPartnersQuery): Promise<Page<PartnerSummary>> {
    const { items, total } = await this.partners.list({ status: query.status, search: query.search }, toSkip(query), query.pageSize);
    return { items: await this.summarise(items), total, page: query.page, pageSize: query.pageSize };
  }

  async read(partner: PartnerRecord): Promise<PartnerSummary> {
    const [summary] = await this.summarise([partner]);
    return summary!;
  }

  update(partner: PartnerRecord, dto: UpdatePartnerDto): Promise<Mutation<PartnerShape>> {
    return this.change(partner, 'partner.update', { ...definedOnly(dto) });
  }

  /** Soft termination: the partner's team loses access; its tenants keep their reference and keep running. */
  async terminate(partner: PartnerRecord, reason?: string): Promise<Mutation<PartnerShape>> {
    if (partner.status === 'terminated') throw DomainError.conflict(`${partner.slug} is already terminated`);
    return this.change(partner, 'partner.terminate', { status: 'terminated' }, reason);
  }

  updateSettings(partner: PartnerRecord, dto: PartnerSettingsDto): Promise<Mutation<PartnerShape>> {
    const changes: PartnerChanges = {};
    if (dto.contact) changes.contact = { ...mapPartner(partner).contact, ...definedOnly(dto.contact) };
    if (dto.billing) changes.billing = { ...mapPartner(partner).billing, ...definedOnly(dto.billing) };
    if (dto.notificationEmail !== undefined) changes.notificationEmail = dto.notificationEmail?.toLowerCase() ?? null;
    return this.change(partner, 'partner.settings', changes);
  }

  updateBranding(partner: PartnerRecord, dto: BrandingDto): Promise<Mutation<PartnerShape>> {
    return this.change(partner, 'partner.branding', { branding: { ...mapBranding(partner), ...definedOnly(dto) } });
  }

  /** What a tenant's portal shows: its partner's branding, or none when it is sold directly. */
  async brandingOf(tenant: TenantRecord): Promise<{ partner: string | null; branding: Branding }> {
    const partner = tenant.partnerId ? await this.partners.findById(tenant.partnerId) : null;
    return { partner: partner?.slug ?? null, branding: mapBranding(partner) };
  }

  /** Moves a tenant under a partner; its subscription follows, so the partner's MRR does. */
  async attach(tenant: TenantRecord, partnerSlug: string): Promise<Mutation<TenantShape>> {
    const partner = await this.partners.findBySlug(partnerSlug);
    if (!partner) throw DomainError.notFound(`The partner "${partnerSlug}"`);
    if (partner.status === 'terminated') throw DomainError.partnerTerminated(partner);
    if (tenant.partnerId === partner.id) throw DomainError.conflict(`${tenant.slug} already belongs to ${partner.slug}`);
    return this.movePartner(tenant, partner, 'tenant.attach-partner');
  }

  async detach(tenant: TenantRecord): Promise<Mutation<TenantShape>> {
    if (!tenant.partnerId) throw DomainError.conflict(`${tenant.slug} has no partner`);
    return this.movePartner(tenant, null, 'tenant.detach-partner');
  }

  private async movePartner(tenant: TenantRecord, partner: PartnerRecord | null, action: string): Promise<Mutation<TenantShape>> {
    const updated = (await this.tenants.update(tenant.id, { partnerId: partner?.id ?? null })) ?? tenant;
    await this.subscriptions.followPartner(updated);
    return mutation(await this.health.describeOne(updated), {
      action,
      ...tenantTarget(tenant),
      partnerId: partner?.id ?? tenant.partnerId,
      changes: { partnerId: { from: tenant.partnerId, to: partner?.id ?? null } },
    });
  }

  private async change(partner: PartnerRecord, action: string, changes: PartnerChanges, reason?: string): Promise<Mutation<PartnerShape>> {
    const updated = (await this.partners.update(partner.id, changes)) ?? partner;
    return mutation(mapPartner(updated), {
      action,
      ...partnerTarget(partner),
      changes: changesBetween(partner, updated, AUDITED_FIELDS),
      reason: reason ?? null,
    });
  }

  /**
   * Customer counts and gross MRR come from two aggregations over the whole
   * page. The margin is gross × marginPct / 100, applied to the summed gross:
   * FerretDB (this platform's test database) has no $multiply.
   */
  private async summarise(partners: PartnerRecord[]): Promise<PartnerSummary[]> {
    const ids = partners.map((p) => p.id);
    const [counts, mrr] = await Promise.all([this.tenants.customerCounts(ids), this.subscriptions.grossMrrByPartner(ids)]);
    return partners.map((partner) => {
      const id = partner.id;
      return {
        ...mapPartner(partner),
        customerCount: counts.get(id) ?? 0,
        mrr: mrr
          .filter((row) => row.partnerId === id)
          .map((row) => ({ currency: row.currency, gross: row.gross, margin: Math.round((row.gross * partner.marginPct) / 100) }))
          .sort((a, b) => a.currency.localeCompare(b.currency)),
      };
    });
  }
}

export function partnerTarget(partner: PartnerRecord) {
  return { target: { type: 'partner', id: partner.id }, partnerId: partner.id };
}

/** The fields a partial update actually carries: absent ones stay as they are. */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
