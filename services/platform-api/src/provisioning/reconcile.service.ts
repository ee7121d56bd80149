import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PROVISIONING_STEPS, type ProvisioningStepName, type ReconcileResult } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AuditService } from '../audit/audit.service';
import { ChangeFeed } from '../common/change-feed';
import { Clock } from '../common/clock';
import { Notifier } from '../common/notifier';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { CustomDomains } from '../domains/custom-domains.service';
import { IntegrationDisabled } from '../integrations/integration-error';
import { TenantProvisioner } from '../tenants/tenant-provisioner';
import type { StepRecord, TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { LeaseRepository } from './lease.repository';
import { PROVISIONING_STEP_LIST, skipped, type ProvisioningStep, type StepContext, type StepResult } from './provisioning-step';

/** How long a waiting reconcile polls for another's lease, and how often. */
const LEASE_WAIT_MS = 15_000;
const LEASE_POLL_MS = 100;
/** The lease the start-up route pass holds, whichever API process runs it. */
export const ROUTE_PASS_LEASE = 'pass:routes';

export interface ReconcileOptions {
  /** Wait for another reconcile of the tenant to finish, instead of answering at once. */
  wait?: boolean;
  only?: ProvisioningStepName[];
  /**
   * The caller has just changed what the tenant should be (suspended it, put
   * it to sleep) and audits that itself: what the steps change is not drift.
   */
  expected?: boolean;
  /** Look up the records of the tenant's pending custom domains first. */
  checkDomains?: boolean;
}

/**
 * Runs the provisioning steps of a tenant — independently, in order, under
 * the tenant's lease — stores each step's outcome on the tenant, activates a
 * pending tenant once every step is ok or skipped, and writes what it healed
 * to the audit trail. It is the tenants' TenantProvisioner.
 */
@Injectable()
export class ReconcileService extends TenantProvisioner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconcileService.name);
  private readonly steps: ProvisioningStep[];
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    @Inject(PROVISIONING_STEP_LIST) steps: ProvisioningStep[],
    private readonly tenants: TenantsRepository,
    private readonly leases: LeaseRepository,
    private readonly audit: AuditService,
    private readonly domains: CustomDomains,
    private readonly feed: ChangeFeed,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly notifier: Notifier,
  ) {
    super();
    this.steps = [...steps].sort((a, b) => PROVISIONING_STEPS.indexOf(a.name) - PROVISIONING_STEPS.indexOf(b.name));
  }

  /**
   * At start, custom domains from before verification turn pending; then
   * every route is written anew from the database (until the route step says
   * there is nowhere to write them), in the background: the process serves
   * meanwhile, the edge keeping the routes already stored. Awaited, the pass
   * held a restarted process off the network for about 20 ms a tenant with
   * nothing to change (EDGE_ROUTES=http, FerretDB on a loaded machine: 6 s
   * for 300 tenants), 95 ms a tenant when it stores every route.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.domains.provePreviousDomains();
    this.track(this.routePass().catch((error: unknown) => this.logger.error({ err: error }, 'route pass failed')));
  }

  /**
   * Every route written anew from the database, one pass at a time across
   * every API process (several starting together make one pass): it holds the
   * `pass:routes` lease; a process that finds it held leaves the pass to its
   * holder. True when this process ran it.
   */
  async routePass(): Promise<boolean> {
    const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    if (!(await this.leases.acquire(ROUTE_PASS_LEASE, holder, this.config.provisioning.leaseMs))) return false;
    try {
      for (const tenant of await this.tenants.listAll()) {
        // A stopping process leaves the rest to the next one that starts.
        if (this.stopping) break;
        const result = await this.reconcile(tenant, { only: ['route'] }).catch((error: unknown) => {
          this.logger.error({ err: error, tenant: tenant.slug }, 'route pass failed');
          return null;
        });
        if (result?.steps['route']?.state === 'skipped') break;
      }
      return true;
    } finally {
      await this.leases.release(ROUTE_PASS_LEASE, holder);
    }
  }

  /** Starts a reconcile and does not wait for it (a new tenant's first provisioning, a plan change). */
  start(tenant: TenantRecord, options: { expected?: boolean } = {}): void {
    this.track(this.reconcile(tenant, { wait: true, expected: options.expected }).catch((error: unknown) => this.logger.error({ err: error, tenant: tenant.slug }, 'provisioning failed')));
  }

  /**
   * Converges these tenants in the background, a few at a time, as expected
   * changes (a plan's new limits or template, audited by whoever changed it);
   * `before` runs for each tenant first (its backup).
   */
  startAll(tenants: TenantRecord[], only: ProvisioningStepName[], before?: (tenant: TenantRecord) => Promise<unknown>): void {
    let next = 0;
    const worker = async () => {
      while (next < tenants.length) {
        const tenant = tenants[next++]!;
        if (before) await before(tenant).catch((error: unknown) => this.logger.error({ err: error, tenant: tenant.slug }, 'the work before reprovisioning failed'));
        await this.reconcile(tenant, { wait: true, only, expected: true }).catch((error: unknown) => this.logger.error({ err: error, tenant: tenant.slug }, 'reprovisioning failed'));
      }
    };
    this.track(Promise.all(Array.from({ length: Math.min(this.config.provisioning.concurrency, tenants.length) }, worker)));
  }

  /** Background work the process waits for before it stops (and tests wait for through `settled`). */
  private track(work: Promise<unknown>): void {
    const run = work.finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** Resolves once no background provisioning is running (tests wait on it instead of sleeping). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Lets background provisioning finish before the process stops (the route pass stops after its current tenant). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.settled();
  }

  converge(tenant: TenantRecord, options: Omit<ReconcileOptions, 'wait'> = {}): Promise<ReconcileResult> {
    return this.reconcile(tenant, { ...options, wait: true });
  }

  release(tenant: TenantRecord): Promise<void> {
    return this.domains.releaseAll(tenant);
  }

  /**
   * Runs `work` holding the tenant's provisioning lease, renewed while it
   * runs, so no reconcile (in this process or another) touches the tenant's
   * engine objects meanwhile: a workspace moving between nodes. Waits for a
   * reconcile in progress as converge does; refuses (409) when the lease
   * stays held.
   */
  async exclusive<T>(tenant: TenantRecord, work: () => Promise<T>): Promise<T> {
    const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    if (!(await this.acquire(tenant.id, holder, true))) throw DomainError.conflict(`${tenant.name} is being provisioned right now: try again in a minute`);
    const ttl = this.config.provisioning.leaseMs;
    const renewing = setInterval(() => void this.leases.renew(tenant.id, holder, ttl).catch(() => undefined), Math.max(1_000, Math.floor(ttl / 3)));
    try {
      return await work();
    } finally {
      clearInterval(renewing);
      await this.leases.release(tenant.id, holder);
    }
  }

  /** Converges the tenant on what it should be. */
  async reconcile(tenant: TenantRecord, options: ReconcileOptions = {}): Promise<ReconcileResult> {
    const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    if (!(await this.acquire(tenant.id, holder, options.wait ?? false))) return this.resultOf(tenant, false, {});
    try {
      let fresh = (await this.tenants.fresh(tenant.id)) ?? tenant;
      // A sign-up waiting for an operator gets nothing provisioned until it is approved.
      if (fresh.approval === 'pending') return this.resultOf(fresh, false, {});
      if (options.checkDomains && fresh.status !== 'terminated' && (await this.domains.converge(fresh))) {
        fresh = (await this.tenants.fresh(tenant.id)) ?? fresh;
      }
      return await this.run(fresh, options.only, options.expected ?? false);
    } finally {
      await this.leases.release(tenant.id, holder);
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
        results[index] = await this.reconcile(tenant, { checkDomains: withPendingDomains.has(tenant.id) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.provisioning.concurrency, all.length) }, worker));
    return results;
  }

  private async run(tenant: TenantRecord, only: ProvisioningStepName[] | undefined, expected = false): Promise<ReconcileResult> {
    const context: StepContext = { tenant };
    const outcomes: Partial<Record<ProvisioningStepName, StepResult>> = {};
    let current = tenant;
    const steps = this.steps.filter((step) => !only || only.includes(step.name));
    // Written at the end, in one write: failed steps' attempt counts, the last step, the activation.
    const deferred: Record<string, StepRecord> = {};
    let edgeTargets: Record<string, string> | undefined;
    let anyChanged = false;
    // Steps that went into error in this run (a step that stays in error is told about once).
    const newlyFailed: { step: ProvisioningStepName; error: string }[] = [];
    for (const [index, step] of steps.entries()) {
      const outcome = await step.ensure(context).catch((error: unknown): StepResult => {
        // An integration that is not configured: the step has nothing to do here.
        if (error instanceof IntegrationDisabled) return skipped(error.reason);
        return { state: 'error', error: error instanceof Error ? error.message : String(error), drift: [] };
      });
      outcomes[step.name] = outcome;
      const previous = current.provisioning[step.name];
      const handle = outcome.handle ?? (outcome.state === 'error' ? previous?.handle : undefined);
      const changed = !previous || previous.state !== outcome.state || previous.handle !== handle || previous.error !== outcome.error;
      if (step.name === 'workspace' && context.workspaceEndpoints && !sameTargets(context.workspaceEndpoints, current.edgeTargets)) edgeTargets = context.workspaceEndpoints;
      // `attempts` counts the tries since the step's state last changed, and
      // `updatedAt` is when it last changed or last failed: a step confirmed
      // `ok` or `skipped` again writes nothing, so a converged tenant costs no write.
      if (!changed && outcome.state !== 'error') continue;
      anyChanged ||= changed;
      if (outcome.state === 'error' && previous?.state !== 'error') newlyFailed.push({ step: step.name, error: outcome.error ?? 'no detail' });
      const record: StepRecord = {
        state: outcome.state,
        handle,
        error: outcome.error,
        attempts: changed ? 1 : (previous?.attempts ?? 0) + 1,
        updatedAt: this.clock.now(),
      };
      // A step whose outcome changed is stored at once, so a page watching provisioning sees it.
      if (changed && index < steps.length - 1) {
        current = (await this.tenants.recordSteps(current.id, { [step.name]: record }, { edgeTargets })) ?? current;
        edgeTargets = undefined;
        context.tenant = current;
        // A page watching provisioning hears of each step as it settles.
        await this.feed.publish({ type: 'provisioning', tenantId: current.id, change: `${step.name}:${outcome.state}`, state: current.status });
      } else {
        deferred[step.name] = record;
      }
    }
    const stateOf = (name: ProvisioningStepName) => (deferred[name] ?? current.provisioning[name])?.state ?? 'pending';
    const activate = current.status === 'pending' && PROVISIONING_STEPS.every((name) => ['ok', 'skipped'].includes(stateOf(name)));
    if (Object.keys(deferred).length > 0 || activate || edgeTargets) {
      current = (await this.tenants.recordSteps(current.id, deferred, { edgeTargets, activate })) ?? current;
    }
    if (activate || (anyChanged && Object.keys(deferred).length > 0)) {
      await this.feed.publish({ type: 'provisioning', tenantId: current.id, change: activate ? 'provisioned' : 'steps', state: current.status });
    }
    if (!expected) await this.auditDrift(current, outcomes);
    if (newlyFailed.length > 0) {
      await this.notifier.notify({
        kind: 'provisioning.failed',
        tenantId: current.id,
        partnerId: current.partnerId,
        subject: `Setting up ${current.name} failed at ${newlyFailed.map((failed) => failed.step).join(', ')}`,
        text: `${newlyFailed.map((failed) => `The ${failed.step} step of ${current.name} (${current.slug}) failed: ${failed.error}`).join('\n\n')}\n\nThe other steps are kept; the next reconcile tries the failed ones again.`,
        key: `provisioning.failed:${current.id}:${newlyFailed.map((failed) => failed.step).join(',')}:${this.clock.now().toISOString()}`,
      });
    }
    return this.resultOf(current, true, outcomes);
  }

  private async auditDrift(tenant: TenantRecord, outcomes: Partial<Record<ProvisioningStepName, StepResult>>): Promise<void> {
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [step, outcome] of Object.entries(outcomes)) {
      if (outcome.drift.length > 0) changes[step] = { from: outcome.drift, to: outcome.state === 'ok' ? 'healed' : outcome.state };
    }
    if (Object.keys(changes).length === 0) return;
    await this.audit.recordSystem('reconcile', { action: 'tenant.drift', target: { type: 'tenant', id: tenant.id }, tenantId: tenant.id, changes });
  }

  private resultOf(tenant: TenantRecord, ran: boolean, outcomes: Partial<Record<ProvisioningStepName, StepResult>>): ReconcileResult {
    const steps: ReconcileResult['steps'] = {};
    for (const name of PROVISIONING_STEPS) {
      const record = tenant.provisioning[name];
      steps[name] = {
        state: record?.state ?? 'pending',
        ...(record?.error ? { error: record.error } : {}),
        drift: outcomes[name]?.drift ?? [],
      };
    }
    return { slug: tenant.slug, status: tenant.status, ran, steps };
  }

  /**
   * Takes the tenant's lease; with `wait`, tries again until another
   * reconcile's lease is released, for at most LEASE_WAIT_MS of real time.
   */
  private async acquire(key: string, holder: string, wait: boolean): Promise<boolean> {
    const deadline = this.clock.monotonic() + (wait ? LEASE_WAIT_MS : 0);
    for (;;) {
      if (await this.leases.acquire(key, holder, this.config.provisioning.leaseMs)) return true;
      if (this.clock.monotonic() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    }
  }
}

/** The same ports at the same addresses. */
function sameTargets(one: Record<string, string>, other: Record<string, string>): boolean {
  const keys = Object.keys(one);
  return keys.length === Object.keys(other).length && keys.every((key) => other[key] === one[key]);
}
