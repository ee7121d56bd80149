import { Injectable } from '@nestjs/common';
import type { Page, Tenant as TenantShape, TenantStatus } from '@tessera/contracts';
import { changesBetween, mutation, tenantTarget, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { Notifier } from '../common/notifier';
import { toSkip, type PageQuery } from '../common/http/paging.dto';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { SettingsService } from '../settings/settings.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { UserRecord } from '../users/user.schema';
import { TenantHealthService } from './tenant-health.service';
import { TenantProvisioner } from './tenant-provisioner';
import { type CreateTenantDto, type ListTenantsQuery, type UpdateTenantDto } from './tenant.dto';
import type { TenantRecord } from './tenant.schema';
import { TenantsRepository, type TenantChanges } from './tenants.repository';
import { PlanCatalog } from '../plans/plan-catalog.service';
import { workspaceFingerprint } from '../plans/plan.dto';
import { TenantBackups, type SafetyBackup } from './tenant-backups';

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
    private readonly provisioning: TenantProvisioner,
    private readonly health: TenantHealthService,
    private readonly settings: SettingsService,
    private readonly catalog: PlanCatalog,
    private readonly backups: TenantBackups,
    private readonly notifier: Notifier,
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
  async approve(tenant: TenantRecord, reason?: string): Promise<Mutation<TenantShape>> {
    if (tenant.approval !== 'pending') throw DomainError.conflict(`${tenant.slug} is not waiting for approval`);
    const updated = (await this.tenants.update(tenant.id, { approval: 'approved' })) ?? tenant;
    this.provisioning.start(updated);
    await this.notifier.notify({
      kind: 'signup.approved',
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      subject: `${tenant.name} was approved`,
      text: `Your sign-up for ${tenant.name} (${tenant.slug}) was approved. Its workspace is being set up now.${reason ? `\n\nThe operator wrote: ${reason}` : ''}`,
      key: `signup.approved:${tenant.id}`,
    });
    return mutation(await this.health.describeOne(updated), {
      action: 'tenant.approve',
      ...tenantTarget(tenant),
      changes: { approval: { from: 'pending', to: 'approved' } },
      reason: reason ?? null,
    });
  }

  /** Rejects a waiting sign-up: it is terminated, kept and readable, never provisioned. */
  async reject(tenant: TenantRecord, reason?: string): Promise<Mutation<TenantShape>> {
    if (tenant.approval !== 'pending') throw DomainError.conflict(`${tenant.slug} is not waiting for approval`);
    const updated = (await this.tenants.update(tenant.id, { approval: 'rejected', status: 'terminated' })) ?? tenant;
    await this.subscriptions.setStatus(updated, 'canceled');
    await this.provisioning.release(updated);
    await this.notifier.notify({
      kind: 'signup.rejected',
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      subject: `${tenant.name} was not approved`,
      text: `Your sign-up for ${tenant.name} (${tenant.slug}) was not approved, so no workspace will be set up.${reason ? `\n\nThe operator wrote: ${reason}` : ''}`,
      key: `signup.rejected:${tenant.id}`,
    });
    return mutation(await this.health.describeOne(updated), {
      action: 'tenant.reject',
      ...tenantTarget(tenant),
      changes: { approval: { from: 'pending', to: 'rejected' }, status: { from: tenant.status, to: 'terminated' } },
      reason: reason ?? null,
    });
  }

  /**
   * Creates a tenant with its owner (none for a partner that looks after the
   * tenant itself) under a partner or none, opens its subscription and starts
   * provisioning in the background: the answer shows every step pending.
   */
  async open(dto: CreateTenantDto, options: { owner: UserRecord | null; partnerId: string | null; awaitApproval?: boolean }): Promise<Mutation<TenantShape>> {
    await this.catalog.assertChoosable(dto.plan ?? 'free');
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
    if (options.owner) await this.memberships.upsert(tenant.id, options.owner.id, 'owner');
    await this.subscriptions.open(tenant);
    if (!options.awaitApproval) this.provisioning.start(tenant);
    else {
      await this.notifier.notify({
        kind: 'signup.pending',
        tenantId: tenant.id,
        partnerId: tenant.partnerId,
        subject: `${tenant.name} waits for approval`,
        text: `${options.owner?.name || options.owner?.email || 'Someone'} signed up for ${tenant.name} (${tenant.slug}). Nothing is set up until an operator approves the sign-up; its owners hear of the decision.`,
        key: `signup.pending:${tenant.id}`,
      });
    }
    return mutation(await this.health.describeOne(tenant), {
      action: 'tenant.create',
      ...tenantTarget(tenant),
      changes: {
        slug: { from: null, to: tenant.slug },
        name: { from: null, to: tenant.name },
        plan: { from: null, to: tenant.plan },
        ...(options.owner ? { owner: { from: null, to: options.owner.id } } : {}),
        ...(options.awaitApproval ? { approval: { from: null, to: 'pending' } } : {}),
      },
    });
  }

  /** Operators see every tenant; everyone else sees the tenants they are a member of. */
  async list(actor: Actor, query: ListTenantsQuery): Promise<Page<TenantShape>> {
    let onlyIds: string[] | undefined;
    if (!actor.isOperator) {
      onlyIds = actor.user ? (await this.memberships.listActiveForUser(actor.user.id)).map((m) => m.scopeId) : [];
    }
    const { items, total } = await this.tenants.list(
      {
        status: query.status,
        lifecycle: query.lifecycle,
        plan: query.plan,
        partnerId: query.partner,
        search: query.search,
        onlyIds,
      },
      toSkip(query),
      query.pageSize,
    );
    return { items: await this.health.describe(items), total, page: query.page, pageSize: query.pageSize };
  }

  read(tenant: TenantRecord): Promise<TenantShape> {
    return this.health.describeOne(tenant);
  }

  /**
   * A change of plan whose workspace differs (limits, image, command,
   * services) replaces the container: the workspace's data is backed up
   * first, and when that backup fails the plan is not changed (409, saying
   * why). The data volume itself is kept either way.
   */
  async update(tenant: TenantRecord, dto: UpdateTenantDto, actor: Actor | null = null): Promise<Mutation<TenantShape>> {
    if (tenant.status === 'terminated') throw DomainError.conflict('A terminated tenant cannot be changed');
    // An archived plan stays with the tenants on it, but no one moves to it.
    let safety: SafetyBackup | null = null;
    if (dto.plan !== undefined && dto.plan !== tenant.plan) {
      const next = await this.catalog.assertChoosable(dto.plan);
      if (workspaceFingerprint(next) !== workspaceFingerprint(await this.catalog.get(tenant.plan))) {
        safety = await this.backups.before(tenant, 'before_plan_change', actor);
        if (safety.outcome === 'failed') throw DomainError.conflict(`The plan was not changed: ${safety.message} Try again, or ask an operator to look at the tenant's backups.`);
      }
    }
    const changes: TenantChanges = {};
    for (const field of UPDATABLE_FIELDS) {
      if (dto[field] !== undefined) Object.assign(changes, { [field]: dto[field] });
    }
    const updated = (await this.tenants.update(tenant.id, changes)) ?? tenant;
    if (changes.plan && changes.plan !== tenant.plan) await this.subscriptions.changePlan(updated);
    // A new plan brings new workspace limits: an expected change, audited here, not drift.
    // (Custom domains have routes of their own: /tenants/:slug/domains.)
    if (changes.plan && changes.plan !== tenant.plan) this.provisioning.start(updated, { expected: true });
    return mutation(await this.health.describeOne(updated), {
      action: 'tenant.update',
      ...tenantTarget(tenant),
      changes: { ...changesBetween(tenant, updated, UPDATABLE_FIELDS), ...(safety ? { backupFirst: { from: null, to: safety.backupId ?? safety.message } } : {}) },
    });
  }

  /**
   * Terminating backs the workspace's data up first. When that backup fails
   * the tenant is not terminated (409, saying why) unless an operator forces
   * it with a reason: the audit event then names the failed backup.
   */
  async changeStatus(
    tenant: TenantRecord,
    action: keyof typeof TRANSITIONS,
    reason?: string,
    options: { actor?: Actor | null; force?: boolean } = {},
  ): Promise<Mutation<TenantShape>> {
    const { from, to, done } = TRANSITIONS[action];
    let safety: SafetyBackup | null = null;
    if (action === 'terminate') {
      if (options.force && !reason) throw DomainError.invalid({ reason: ['a reason is required to terminate without a backup'] }, 'Say why the tenant is terminated without a backup');
      if (!from.includes(tenant.status)) throw DomainError.conflict(`A ${tenant.status} tenant cannot be ${done}`);
      safety = await this.backups.before(tenant, 'before_terminate', options.actor ?? null);
      if (safety.outcome === 'failed' && !options.force) {
        throw DomainError.backupFailedBeforeTerminate(tenant, safety.message);
      }
    }
    const updated = await this.tenants.transition(tenant.id, from, to);
    if (!updated) throw DomainError.conflict(`A ${tenant.status} tenant cannot be ${done}`);
    // Stop or start the workspace and swap the route now; step errors are recorded, not thrown.
    await this.provisioning.converge(updated, { expected: true });
    // A suspended tenant counts for no MRR, whatever its subscription's status.
    if (to === 'suspended' || tenant.status === 'suspended') await this.subscriptions.followSuspension(updated, to === 'suspended');
    // A terminated tenant is no longer billed, and its custom domains are free for others.
    if (to === 'terminated') {
      await this.subscriptions.setStatus(updated, 'canceled');
      await this.provisioning.release(updated);
    }
    const settled = (await this.tenants.findById(updated.id)) ?? updated;
    if (to === 'suspended') {
      await this.notifier.notify({
        kind: 'tenant.suspended',
        tenantId: tenant.id,
        partnerId: tenant.partnerId,
        subject: `${tenant.name} was suspended`,
        text: `${tenant.name} (${tenant.slug}) was suspended: its workspace is stopped and shows a notice instead. Its data is kept.${reason ? `\n\nReason: ${reason}` : ''}`,
      });
    }
    return mutation(await this.health.describeOne(settled), {
      action: `tenant.${action}`,
      ...tenantTarget(tenant),
      changes: {
        status: { from: tenant.status, to },
        ...(safety ? { backupFirst: { from: null, to: safety.outcome === 'succeeded' ? safety.backupId : `${safety.outcome === 'failed' ? 'forced past a failed backup: ' : ''}${safety.message}` } } : {}),
      },
      reason: reason ?? null,
    });
  }
}
