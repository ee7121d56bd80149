import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PROVISIONING_STEPS, type ProvisioningStepName, type ReconcileResult } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { CustomDomains } from '../domains/custom-domains.service';
import type { ProvisioningStepRecord, TenantDocument } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { LeaseRepository } from './lease.repository';
import { PROVISIONING_STEP_LIST, type ProvisioningStep, type StepContext, type StepResult } from './provisioning-step';

const LEASE_WAIT_MS = 15_000;

/**
 * Runs the provisioning steps of a tenant — independently, in order, under
 * the tenant's lease — stores each step's outcome on the tenant, activates a
 * pending tenant once every step is ok or skipped, and writes what it healed
 * to the audit trail.
 */
@Injectable()
export class ReconcileService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconcileService.name);
  private readonly steps: ProvisioningStep[];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    @Inject(PROVISIONING_STEP_LIST) steps: ProvisioningStep[],
    private readonly tenants: TenantsRepository,
    private readonly leases: LeaseRepository,
    private readonly audit: AuditService,
    private readonly domains: CustomDomains,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.steps = [...steps].sort((a, b) => PROVISIONING_STEPS.indexOf(a.name) - PROVISIONING_STEPS.indexOf(b.name));
  }

  /** At start, custom domains from before verification turn pending; then every route file is written anew from the database. */
  async onApplicationBootstrap(): Promise<void> {
    await this.domains.provePreviousDomains();
    if (!this.config.edge.dynamicDir) return;
    for (const tenant of await this.tenants.listAll()) {
      await this.reconcile(tenant, { only: ['route'] }).catch((error: unknown) => this.logger.error({ err: error, tenant: tenant.slug }, 'route pass failed'));
    }
  }

  /** Starts a reconcile and does not wait for it (a new tenant's first provisioning). */
  start(tenant: TenantDocument): void {
    const run = this.reconcile(tenant, { wait: true })
      .catch((error: unknown) => this.logger.error({ err: error, tenant: tenant.slug }, 'provisioning failed'))
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** Lets background provisioning finish before the process stops. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Converges the tenant on what it should be. `expected`: the caller has just
   * changed what that is (put the workspace to sleep, woke it) and audits
   * that itself, so what the steps change is not reported as drift.
   * `checkDomains`: look up the records of the tenant's pending custom
   * domains first, so a domain whose record is now published is routed.
   */
  async reconcile(
    tenant: TenantDocument,
    options: { wait?: boolean; only?: ProvisioningStepName[]; expected?: boolean; checkDomains?: boolean } = {},
  ): Promise<ReconcileResult> {
    const key = tenant._id.toHexString();
    const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    if (!(await this.acquire(key, holder, options.wait ?? false))) return this.resultOf(tenant, false, {});
    try {
      let fresh = (await this.tenants.findByIds([tenant._id]))[0] ?? tenant;
      // A sign-up waiting for an operator gets nothing provisioned until it is approved.
      if (fresh.approval === 'pending') return this.resultOf(fresh, false, {});
      if (options.checkDomains && fresh.status !== 'terminated' && (await this.domains.converge(fresh))) {
        fresh = (await this.tenants.findByIds([tenant._id]))[0] ?? fresh;
      }
      return await this.run(fresh, options.only, options.expected ?? false);
    } finally {
      await this.leases.release(key, holder);
    }
  }

  /** Every tenant, a few at a time; custom domains are checked for the tenants with one pending. */
  async reconcileAll(): Promise<ReconcileResult[]> {
    const all = await this.tenants.listAll();
    const withPendingDomains = await this.domains.tenantsWithPending();
    const results: ReconcileResult[] = new Array(all.length);
    let next = 0;
    const worker = async () => {
      while (next < all.length) {
        const index = next++;
        const tenant = all[index]!;
        results[index] = await this.reconcile(tenant, { checkDomains: withPendingDomains.has(tenant._id.toHexString()) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.provisioning.concurrency, all.length) }, worker));
    return results;
  }

  private async run(tenant: TenantDocument, only: ProvisioningStepName[] | undefined, expected = false): Promise<ReconcileResult> {
    const context: StepContext = { tenant };
    const outcomes: Partial<Record<ProvisioningStepName, StepResult>> = {};
    let current = tenant;
    const steps = this.steps.filter((step) => !only || only.includes(step.name));
    // Written at the end, in one write: failed steps' attempt counts, the last step, the activation.
    const deferred: Record<string, ProvisioningStepRecord> = {};
    let edgeTarget: string | undefined;
    for (const [index, step] of steps.entries()) {
      const outcome = await step.ensure(context).catch(
        (error: unknown): StepResult => ({ state: 'error', error: error instanceof Error ? error.message : String(error), drift: [] }),
      );
      outcomes[step.name] = outcome;
      const previous = current.provisioning?.get(step.name);
      const handle = outcome.handle ?? (outcome.state === 'error' ? previous?.handle : undefined);
      const changed = !previous || previous.state !== outcome.state || previous.handle !== handle || previous.error !== outcome.error;
      if (step.name === 'workspace' && context.workspaceEndpoint && context.workspaceEndpoint !== current.edgeTarget) edgeTarget = context.workspaceEndpoint;
      // `attempts` counts the tries since the step's state last changed, and
      // `updatedAt` is when it last changed or last failed: a step confirmed
      // `ok` or `skipped` again writes nothing, so a converged tenant costs no write.
      if (!changed && outcome.state !== 'error') continue;
      const record: ProvisioningStepRecord = {
        state: outcome.state,
        handle,
        error: outcome.error,
        attempts: changed ? 1 : (previous?.attempts ?? 0) + 1,
        updatedAt: this.clock.now(),
      };
      // A step whose outcome changed is stored at once, so a page watching provisioning sees it.
      if (changed && index < steps.length - 1) {
        current = (await this.tenants.recordSteps(current._id, { [step.name]: record }, { edgeTarget })) ?? current;
        edgeTarget = undefined;
        context.tenant = current;
      } else {
        deferred[step.name] = record;
      }
    }
    const stateOf = (name: ProvisioningStepName) => (deferred[name] ?? current.provisioning?.get(name))?.state ?? 'pending';
    const activate = current.status === 'pending' && PROVISIONING_STEPS.every((name) => ['ok', 'skipped'].includes(stateOf(name)));
    if (Object.keys(deferred).length > 0 || activate || edgeTarget) {
      current = (await this.tenants.recordSteps(current._id, deferred, { edgeTarget, activate })) ?? current;
    }
    if (!expected) await this.auditDrift(current, outcomes);
    return this.resultOf(current, true, outcomes);
  }

  private async auditDrift(tenant: TenantDocument, outcomes: Partial<Record<ProvisioningStepName, StepResult>>): Promise<void> {
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [step, outcome] of Object.entries(outcomes)) {
      if (outcome.drift.length > 0) changes[step] = { from: outcome.drift, to: outcome.state === 'ok' ? 'healed' : outcome.state };
    }
    if (Object.keys(changes).length === 0) return;
    await this.audit.recordSystem('reconcile', { action: 'tenant.drift', target: { type: 'tenant', id: tenant._id.toHexString() }, tenantId: tenant._id.toHexString(), changes });
  }

  private resultOf(tenant: TenantDocument, ran: boolean, outcomes: Partial<Record<ProvisioningStepName, StepResult>>): ReconcileResult {
    const steps: ReconcileResult['steps'] = {};
    for (const name of PROVISIONING_STEPS) {
      const record = tenant.provisioning?.get(name);
      steps[name] = {
        state: record?.state ?? 'pending',
        ...(record?.error ? { error: record.error } : {}),
        drift: outcomes[name]?.drift ?? [],
      };
    }
    return { slug: tenant.slug, status: tenant.status, ran, steps };
  }

  private async acquire(key: string, holder: string, wait: boolean): Promise<boolean> {
    const deadline = Date.now() + (wait ? LEASE_WAIT_MS : 0);
    for (;;) {
      if (await this.leases.acquire(key, holder, this.config.provisioning.leaseMs)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
