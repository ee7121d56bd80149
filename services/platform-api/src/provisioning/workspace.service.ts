import { Injectable } from '@nestjs/common';
import type { TenantStatus, WorkspaceStatus } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import { isIntegrationError } from '../integrations/integration-error';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { ReconcileService } from './reconcile.service';
import { PlanCatalog } from '../plans/plan-catalog.service';

/** Why a tenant in this status has no workspace to control, in a sentence. */
const NOT_CONTROLLABLE: Partial<Record<TenantStatus, string>> = {
  pending: 'is still being set up',
  suspended: 'is suspended: an operator resumes it',
  terminated: 'is terminated',
};

/**
 * A tenant's workspace as its owners see it (state, CPU and memory, whether
 * it may sleep, the services its plan gives it) and its controls: start, stop, restart. A control that
 * cannot apply — stopping a stopped workspace, anything on a terminated
 * tenant — is refused with 409 and changes nothing.
 */
@Injectable()
export class WorkspaceService {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly tenants: TenantsRepository,
    private readonly reconcile: ReconcileService,
    private readonly config: AppConfig,
    private readonly catalog: PlanCatalog,
  ) {}

  async status(tenant: TenantRecord): Promise<WorkspaceStatus> {
    const plan = await this.catalog.get(tenant.plan);
    const idle = plan.sleeps ? plan.idleSeconds : 0;
    const about = {
      stoppedByOwner: tenant.workspaceStopped,
      sleepsAfterSeconds: idle > 0 ? idle : null,
      services: plan.template.services.map((service) => ({ ...service })),
    };
    try {
      return { ...(await this.runtime.status({ tenantId: tenant.id, slug: tenant.slug }, true)), ...about };
    } catch (error: unknown) {
      if (!isIntegrationError(error, 'containers')) throw error;
      return { state: 'unknown', image: null, startedAt: null, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, reason: error.message, ...about };
    }
  }

  /** Starts a workspace an owner stopped, or one asleep; clears the owner's stop. */
  async start(tenant: TenantRecord): Promise<Mutation<WorkspaceStatus>> {
    this.controllable(tenant);
    if (!tenant.workspaceStopped && tenant.status !== 'sleeping') throw DomainError.conflict(`The workspace of ${tenant.slug} is not stopped`);
    let updated = (await this.tenants.update(tenant.id, { workspaceStopped: false })) ?? tenant;
    if (updated.status === 'sleeping') updated = (await this.tenants.transition(tenant.id, ['sleeping'], 'active')) ?? updated;
    await this.reconcile.reconcile(updated, { wait: true, only: ['workspace', 'route'], expected: true });
    return mutation(await this.status(updated), {
      action: 'workspace.start',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: { ...(tenant.workspaceStopped ? { workspaceStopped: { from: true, to: false } } : {}), ...(tenant.status === 'sleeping' ? { status: { from: 'sleeping', to: 'active' } } : {}) },
    });
  }

  /** Clears an owner's stop and restarts the workspace through a reconcile, which also heals what drifted. */
  async restart(tenant: TenantRecord): Promise<Mutation<WorkspaceStatus>> {
    this.controllable(tenant);
    if (tenant.status === 'sleeping') throw DomainError.conflict(`The workspace of ${tenant.slug} is asleep: start it instead`);
    const updated = (await this.tenants.update(tenant.id, { workspaceStopped: false })) ?? tenant;
    await this.reconcile.reconcile(updated, { wait: true, only: ['workspace'], expected: true });
    if (updated.status === 'active' && !tenant.workspaceStopped) await this.runtime.restart({ tenantId: tenant.id, slug: tenant.slug }).catch(() => undefined);
    return mutation(await this.status(updated), {
      action: 'workspace.restart',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: tenant.workspaceStopped ? { workspaceStopped: { from: true, to: false } } : {},
    });
  }

  /** Stops the workspace and keeps it stopped (reconcile respects it) until started again. */
  async stop(tenant: TenantRecord): Promise<Mutation<WorkspaceStatus>> {
    this.controllable(tenant);
    if (tenant.workspaceStopped) throw DomainError.conflict(`The workspace of ${tenant.slug} is stopped already`);
    const updated = (await this.tenants.update(tenant.id, { workspaceStopped: true })) ?? tenant;
    await this.reconcile.reconcile(updated, { wait: true, only: ['workspace'], expected: true });
    return mutation(await this.status(updated), {
      action: 'workspace.stop',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: { workspaceStopped: { from: false, to: true } },
    });
  }

  /**
   * An operator's repair of a workspace whose names another tenant's objects
   * hold (an engine shared with a test run or another Tessera): removes that
   * container and network, which hold no data, and converges the tenant's
   * own. A container labelled as the tenant's is adopted as it is; a data
   * volume of another tenant's is never touched (409, nothing changed).
   */
  async repair(tenant: TenantRecord, reason?: string): Promise<Mutation<WorkspaceStatus>> {
    if (tenant.status === 'terminated') throw DomainError.conflict(`The workspace cannot be repaired: ${tenant.slug} is terminated`);
    const removed = await this.runtime.displaceForeign({ tenantId: tenant.id, slug: tenant.slug });
    await this.reconcile.reconcile(tenant, { wait: true, only: ['workspace', 'route'], expected: true });
    const fresh = (await this.tenants.findById(tenant.id)) ?? tenant;
    return mutation(await this.status(fresh), {
      action: 'workspace.repair',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: { removed: { from: removed, to: [] } },
      reason: reason ?? null,
    });
  }

  private controllable(tenant: TenantRecord): void {
    const why = NOT_CONTROLLABLE[tenant.status];
    if (why) throw DomainError.conflict(`The workspace cannot be controlled: ${tenant.slug} ${why}`);
  }
}
