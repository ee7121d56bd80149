import { Injectable } from '@nestjs/common';
import type { Page, Tenant as TenantShape, TenantStatus } from '@tessera/contracts';
import { Types } from 'mongoose';
import { changesBetween, mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { toSkip } from '../common/http/paging.dto';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { ReconcileService } from '../provisioning/reconcile.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { mapTenant, type CreateTenantDto, type ListTenantsQuery, type UpdateTenantDto } from './tenant.dto';
import type { TenantDocument } from './tenant.schema';
import { TenantsRepository, type TenantChanges } from './tenants.repository';

const UPDATABLE_FIELDS = ['name', 'plan', 'domains', 'industry', 'brandColor'] as const;

/** Which statuses each lifecycle action may start from. */
const TRANSITIONS: Record<'suspend' | 'resume' | 'terminate', { from: TenantStatus[]; to: TenantStatus; done: string }> = {
  suspend: { from: ['pending', 'active'], to: 'suspended', done: 'suspended' },
  resume: { from: ['suspended'], to: 'active', done: 'resumed' },
  terminate: { from: ['pending', 'active', 'suspended'], to: 'terminated', done: 'terminated' },
};

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly provisioning: ReconcileService,
  ) {}

  /** Creates the tenant, makes the caller its owner and opens its subscription. */
  async create(actor: Actor, dto: CreateTenantDto): Promise<Mutation<TenantShape>> {
    if (!actor.user) throw DomainError.forbidden('Only a user can own a tenant');
    const tenant = await this.tenants.create({
      slug: dto.slug,
      name: dto.name,
      plan: dto.plan ?? 'free',
      status: 'pending',
      industry: dto.industry ?? null,
      brandColor: dto.brandColor ?? null,
    });
    await this.memberships.upsert(tenant._id, actor.user._id, 'owner');
    await this.subscriptions.open(tenant);
    // Provisioning runs in the background; the answer shows every step pending.
    this.provisioning.start(tenant);
    return mutation(mapTenant(tenant), {
      action: 'tenant.create',
      target: { type: 'tenant', id: tenant._id.toHexString() },
      tenantId: tenant._id.toHexString(),
      changes: {
        slug: { from: null, to: tenant.slug },
        name: { from: null, to: tenant.name },
        plan: { from: null, to: tenant.plan },
      },
    });
  }

  /** Operators see every tenant; everyone else sees the tenants they are a member of. */
  async list(actor: Actor, query: ListTenantsQuery): Promise<Page<TenantShape>> {
    let onlyIds: Types.ObjectId[] | undefined;
    if (!actor.isOperator) {
      onlyIds = actor.user ? (await this.memberships.listActiveForUser(actor.user._id)).map((m) => m.tenantId) : [];
    }
    const { items, total } = await this.tenants.list(
      {
        status: query.status,
        plan: query.plan,
        partnerId: query.partner ? new Types.ObjectId(query.partner) : undefined,
        search: query.search,
        onlyIds,
      },
      toSkip(query),
      query.pageSize,
    );
    return { items: items.map(mapTenant), total, page: query.page, pageSize: query.pageSize };
  }

  read(tenant: TenantDocument): TenantShape {
    return mapTenant(tenant);
  }

  async update(tenant: TenantDocument, dto: UpdateTenantDto): Promise<Mutation<TenantShape>> {
    if (tenant.status === 'terminated') throw DomainError.conflict('A terminated tenant cannot be changed');
    const changes: TenantChanges = {};
    for (const field of UPDATABLE_FIELDS) {
      if (dto[field] !== undefined) Object.assign(changes, { [field]: dto[field] });
    }
    const updated = (await this.tenants.update(tenant._id, changes)) ?? tenant;
    if (changes.plan && changes.plan !== tenant.plan) await this.subscriptions.changePlan(updated);
    // A new plan brings new workspace limits; new domains a new route.
    if ((changes.plan && changes.plan !== tenant.plan) || changes.domains) this.provisioning.start(updated);
    return mutation(mapTenant(updated), {
      action: 'tenant.update',
      target: { type: 'tenant', id: tenant._id.toHexString() },
      tenantId: tenant._id.toHexString(),
      changes: changesBetween(tenant.toObject(), updated.toObject(), UPDATABLE_FIELDS),
    });
  }

  async changeStatus(tenant: TenantDocument, action: keyof typeof TRANSITIONS, reason?: string): Promise<Mutation<TenantShape>> {
    const { from, to, done } = TRANSITIONS[action];
    const updated = await this.tenants.transition(tenant._id, from, to);
    if (!updated) throw DomainError.conflict(`A ${tenant.status} tenant cannot be ${done}`);
    // Stop or start the workspace and swap the route now; step errors are recorded, not thrown.
    await this.provisioning.reconcile(updated, { wait: true });
    const settled = (await this.tenants.findByIds([updated._id]))[0] ?? updated;
    return mutation(mapTenant(settled), {
      action: `tenant.${action}`,
      target: { type: 'tenant', id: tenant._id.toHexString() },
      tenantId: tenant._id.toHexString(),
      changes: { status: { from: tenant.status, to } },
      reason: reason ?? null,
    });
  }
}
