import { Injectable } from '@nestjs/common';
import type { Page, Tenant as TenantShape, TenantStatus } from '@tessera/contracts';
import { Types } from 'mongoose';
import { changesBetween, mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { toSkip, type PageQuery } from '../common/http/paging.dto';
import { SettingsService } from '../settings/settings.service';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { ReconcileService } from '../provisioning/reconcile.service';
import { CustomDomains } from '../domains/custom-domains.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { TenantHealthService } from './tenant-health.service';
import { type CreateTenantDto, type ListTenantsQuery, type UpdateTenantDto } from './tenant.dto';
import type { UserDocument } from '../users/user.schema';
import type { TenantDocument } from './tenant.schema';
import { TenantsRepository, type TenantChanges } from './tenants.repository';

const UPDATABLE_FIELDS = ['name', 'plan', 'industry', 'brandColor', 'keepAwake'] as const;

/** Which statuses each lifecycle action may start from. */
const TRANSITIONS: Record<'suspend' | 'resume' | 'terminate', { from: TenantStatus[]; to: TenantStatus; done: string }> = {
  suspend: { from: ['pending', 'active', 'sleeping'], to: 'suspended', done: 'suspended' },
  resume: { from: ['suspended'], to: 'active', done: 'resumed' },
  terminate: { from: ['pending', 'active', 'sleeping', 'suspended'], to: 'terminated', done: 'terminated' },
};

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly provisioning: ReconcileService,
    private readonly health: TenantHealthService,
    private readonly settings: SettingsService,
    private readonly domains: CustomDomains,
  ) {}

  /**
   * Creates the tenant, makes the caller its owner and opens its subscription.
   * When the platform asks for approval, a sign-up (anyone but an operator)
   * waits for an operator before anything is provisioned.
   */
  async create(actor: Actor, dto: CreateTenantDto): Promise<Mutation<TenantShape>> {
    if (!actor.user) throw DomainError.forbidden('Only a user can own a tenant');
    const awaitApproval = !actor.isOperator && (await this.settings.signupApproval());
    return this.open(dto, { owner: actor.user, partnerId: null, awaitApproval });
  }

  /** The approval queue: sign-ups waiting for an operator, oldest first. */
  async awaitingApproval(query: PageQuery): Promise<Page<TenantShape>> {
    const { items, total } = await this.tenants.listAwaitingApproval(toSkip(query), query.pageSize);
    return { items: await this.health.describe(items), total, page: query.page, pageSize: query.pageSize };
  }

  /** Approves a waiting sign-up and starts its provisioning. */
  async approve(tenant: TenantDocument, reason?: string): Promise<Mutation<TenantShape>> {
    if (tenant.approval !== 'pending') throw DomainError.conflict(`${tenant.slug} is not waiting for approval`);
    const updated = (await this.tenants.update(tenant._id, { approval: 'approved' })) ?? tenant;
    this.provisioning.start(updated);
    return mutation(await this.health.describeOne(updated), {
      action: 'tenant.approve',
      ...auditTarget(tenant),
      changes: { approval: { from: 'pending', to: 'approved' } },
      reason: reason ?? null,
    });
  }

  /** Rejects a waiting sign-up: it is terminated, kept and readable, never provisioned. */
  async reject(tenant: TenantDocument, reason?: string): Promise<Mutation<TenantShape>> {
    if (tenant.approval !== 'pending') throw DomainError.conflict(`${tenant.slug} is not waiting for approval`);
    const updated = (await this.tenants.update(tenant._id, { approval: 'rejected', status: 'terminated' })) ?? tenant;
    await this.subscriptions.setStatus(updated, 'canceled');
    await this.domains.releaseAll(updated);
    return mutation(await this.health.describeOne(updated), {
      action: 'tenant.reject',
      ...auditTarget(tenant),
      changes: { approval: { from: 'pending', to: 'rejected' }, status: { from: tenant.status, to: 'terminated' } },
      reason: reason ?? null,
    });
  }

  /**
   * Creates a tenant with its owner (none for a partner that looks after the
   * tenant itself) under a partner or none, opens its subscription and starts
   * provisioning in the background: the answer shows every step pending.
   */
  async open(dto: CreateTenantDto, options: { owner: UserDocument | null; partnerId: Types.ObjectId | null; awaitApproval?: boolean }): Promise<Mutation<TenantShape>> {
    const tenant = await this.tenants.create({
      slug: dto.slug,
      name: dto.name,
      plan: dto.plan ?? 'free',
      status: 'pending',
      industry: dto.industry ?? null,
      brandColor: dto.brandColor ?? null,
      partnerId: options.partnerId,
      approval: options.awaitApproval ? 'pending' : null,
    });
    if (options.owner) await this.memberships.upsert(tenant._id, options.owner._id, 'owner');
    await this.subscriptions.open(tenant);
    if (!options.awaitApproval) this.provisioning.start(tenant);
    return mutation(await this.health.describeOne(tenant), {
      action: 'tenant.create',
      ...auditTarget(tenant),
      changes: {
        slug: { from: null, to: tenant.slug },
        name: { from: null, to: tenant.name },
        plan: { from: null, to: tenant.plan },
        ...(options.owner ? { owner: { from: null, to: options.owner._id.toHexString() } } : {}),
        ...(options.awaitApproval ? { approval: { from: null, to: 'pending' } } : {}),
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
    return { items: await this.health.describe(items), total, page: query.page, pageSize: query.pageSize };
  }

  read(tenant: TenantDocument): Promise<TenantShape> {
    return this.health.describeOne(tenant);
  }

  async update(tenant: TenantDocument, dto: UpdateTenantDto): Promise<Mutation<TenantShape>> {
    if (tenant.status === 'terminated') throw DomainError.conflict('A terminated tenant cannot be changed');
    const changes: TenantChanges = {};
    for (const field of UPDATABLE_FIELDS) {
      if (dto[field] !== undefined) Object.assign(changes, { [field]: dto[field] });
    }
    const updated = (await this.tenants.update(tenant._id, changes)) ?? tenant;
    if (changes.plan && changes.plan !== tenant.plan) await this.subscriptions.changePlan(updated);
    // A new plan brings new workspace limits. (Custom domains have routes of their own: /tenants/:slug/domains.)
    if (changes.plan && changes.plan !== tenant.plan) this.provisioning.start(updated);
    return mutation(await this.health.describeOne(updated), {
      action: 'tenant.update',
      ...auditTarget(tenant),
      changes: changesBetween(tenant.toObject(), updated.toObject(), UPDATABLE_FIELDS),
    });
  }

  async changeStatus(tenant: TenantDocument, action: keyof typeof TRANSITIONS, reason?: string): Promise<Mutation<TenantShape>> {
    const { from, to, done } = TRANSITIONS[action];
    const updated = await this.tenants.transition(tenant._id, from, to);
    if (!updated) throw DomainError.conflict(`A ${tenant.status} tenant cannot be ${done}`);
    // Stop or start the workspace and swap the route now; step errors are recorded, not thrown.
    await this.provisioning.reconcile(updated, { wait: true });
    // A terminated tenant is no longer billed, and its custom domains are free for others.
    if (to === 'terminated') {
      await this.subscriptions.setStatus(updated, 'canceled');
      await this.domains.releaseAll(updated);
    }
    const settled = (await this.tenants.findByIds([updated._id]))[0] ?? updated;
    return mutation(await this.health.describeOne(settled), {
      action: `tenant.${action}`,
      ...auditTarget(tenant),
      changes: { status: { from: tenant.status, to } },
      reason: reason ?? null,
    });
  }
}

/** Where a tenant's audit events point: the tenant, and its partner when it has one. */
export function auditTarget(tenant: TenantDocument) {
  return {
    target: { type: 'tenant', id: tenant._id.toHexString() },
    tenantId: tenant._id.toHexString(),
    partnerId: tenant.partnerId?.toHexString() ?? null,
  };
}
