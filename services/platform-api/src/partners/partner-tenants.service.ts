import { Injectable } from '@nestjs/common';
import type { Page, PartnerAlert, Tenant as TenantShape } from '@tessera/contracts';
import type { Mutation } from '../audit/mutation';
import { Clock } from '../common/clock';
import { toSkip } from '../common/http/paging.dto';
import { AppConfig } from '../config/app-config';
import { IdentityDirectory } from '../integrations/identity/identity-directory.port';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { TenantHealthService } from '../tenants/tenant-health.service';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import type { CreatePartnerTenantDto, PartnerTenantsQuery } from './partner.dto';
import type { PartnerRecord } from './partner.schema';

/**
 * A partner's customers, as its team sees them. The AccessGuard has already
 * checked that any tenant named belongs to the partner; the lists are
 * restricted to the partner here, in the query, whatever the filters say.
 */
@Injectable()
export class PartnerTenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly tenantsService: TenantsService,
    private readonly health: TenantHealthService,
    private readonly subscriptions: SubscriptionsService,
    private readonly directory: IdentityDirectory,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async list(partner: PartnerRecord, query: PartnerTenantsQuery): Promise<Page<TenantShape>> {
    const { items, total } = await this.tenants.list(
      { status: query.status, lifecycle: query.lifecycle, plan: query.plan, search: query.search, partnerId: partner.id },
      toSkip(query),
      query.pageSize,
    );
    return { items: await this.health.describe(items), total, page: query.page, pageSize: query.pageSize };
  }

  /** A customer tenant under the partner; a named owner is invited through the identity provider first. */
  async create(partner: PartnerRecord, dto: CreatePartnerTenantDto): Promise<Mutation<TenantShape>> {
    const { ownerEmail, ...tenant } = dto;
    const owner = ownerEmail ? await this.users.ensureInvited(await this.directory.inviteUser({ email: ownerEmail, name: ownerEmail })) : null;
    return this.tenantsService.open(tenant, { owner, partnerId: partner.id });
  }

  /**
   * What needs the partner's attention: tenants whose provisioning failed or
   * is stuck, suspended tenants, and subscriptions past due.
   */
  async alerts(partner: PartnerRecord): Promise<PartnerAlert[]> {
    const [tenants, pastDue] = await Promise.all([this.tenants.listLiveOfPartner(partner.id), this.subscriptions.pastDue(partner.id)]);
    const stuckBefore = this.clock.now().getTime() - this.config.provisioning.stuckAfterMs;
    const alerts: PartnerAlert[] = [];
    const alert = (tenant: TenantRecord, kind: PartnerAlert['kind'], message: string, since: Date) =>
      alerts.push({ kind, tenantId: tenant.id, tenantSlug: tenant.slug, message, since: since.toISOString() });

    for (const tenant of tenants) {
      const steps = Object.entries(tenant.provisioning).flatMap(([step, record]) => (record ? [[step, record] as const] : []));
      const failed = steps.filter(([, record]) => record.state === 'error');
      if (failed.length > 0) {
        alert(tenant, 'provisioning_error', failed.map(([step, record]) => `${step}: ${record.error ?? 'failed'}`).join('; '), earliest(failed.map(([, r]) => r.updatedAt)));
      }
      const stuck = steps.filter(([, record]) => record.state === 'pending' && record.updatedAt.getTime() < stuckBefore);
      if (stuck.length > 0) {
        alert(tenant, 'provisioning_stuck', `Pending for more than ${this.config.provisioning.stuckAfterMs / 60_000} minutes: ${stuck.map(([step]) => step).join(', ')}`, earliest(stuck.map(([, r]) => r.updatedAt)));
      }
      if (tenant.status === 'suspended') alert(tenant, 'suspended', `${tenant.name} is suspended`, tenant.updatedAt);
    }
    const byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
    for (const subscription of pastDue) {
      const tenant = byId.get(subscription.tenantId);
      if (tenant) alert(tenant, 'payment_past_due', `The ${subscription.plan} subscription of ${tenant.name} is past due`, subscription.updatedAt);
    }
    return alerts.sort((a, b) => a.since.localeCompare(b.since));
  }
}

function earliest(dates: Date[]): Date {
  return new Date(Math.min(...dates.map((date) => date.getTime())));
}
