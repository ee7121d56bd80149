import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PLANS } from '@tessera/contracts';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { Notifier } from '../common/notifier';
import { AppConfig } from '../config/app-config';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import { randomBytes } from 'node:crypto';
import { LeaseRepository } from '../provisioning/lease.repository';
import { ReconcileService } from '../provisioning/reconcile.service';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { EdgeActivity } from './edge-activity';
import { PlanCatalog } from '../plans/plan-catalog.service';

/** How long a woken workspace may take to answer before the wake gives up waiting (the page keeps retrying). */
const ANSWER_WAIT_MS = 15_000;
/** The lease one idle pass holds, whichever API process runs it. */
export const IDLE_PASS_LEASE = 'pass:idle';
/** The lease a tenant's wake holds, whichever API process saw the request. */
export const wakeLease = (tenantId: string) => `wake:${tenantId}`;

/**
 * Idle sleep and wake. An active workspace that has seen no request through
 * the edge for its plan's idle time (WORKSPACE_IDLE_SECONDS[_<PLAN>]) is
 * stopped and its tenant becomes `sleeping`; the edge wakes it on the next
 * request. Tenants with keep-awake, or a workspace an owner stopped, never
 * sleep. Both moves are audited as the tenant's activity.
 */
@Injectable()
export class WorkspaceSleep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkspaceSleep.name);
  private readonly waking = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private passing: Promise<string[]> | null = null;

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly reconcile: ReconcileService,
    private readonly activity: EdgeActivity,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly catalog: PlanCatalog,
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly notifier: Notifier,
    private readonly leases: LeaseRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.workspace.idleCheckMs <= 0) return;
    this.timer = setInterval(() => void this.idlePass().catch((error: unknown) => this.logger.warn({ err: error }, 'idle pass failed')), this.config.workspace.idleCheckMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([this.passing, ...this.waking.values()]);
  }

  /**
   * Puts every idle workspace to sleep; the slugs it put to sleep. One pass at
   * a time across every API process: a pass holds the `pass:idle` lease in the
   * database, and a process that finds it held skips its turn (none).
   */
  idlePass(): Promise<string[]> {
    this.passing ??= this.leased().finally(() => (this.passing = null));
    return this.passing;
  }

  private async leased(): Promise<string[]> {
    const holder = randomBytes(8).toString('hex');
    if (!(await this.leases.acquire(IDLE_PASS_LEASE, holder, this.config.provisioning.leaseMs))) return [];
    try {
      return await this.sleepIdle();
    } finally {
      await this.leases.release(IDLE_PASS_LEASE, holder);
    }
  }

  private async sleepIdle(): Promise<string[]> {
    // This process's own times are written; another's may be up to one flush interval behind its last request.
    await this.activity.flush();
    const slept: string[] = [];
    for (const plan of PLANS) {
      const idleSeconds = await this.catalog.idleSeconds(plan);
      if (idleSeconds <= 0) continue;
      const before = new Date(this.clock.now().getTime() - idleSeconds * 1_000);
      const servedBefore = new Date(before.getTime() - this.activity.lagMs);
      for (const tenant of await this.tenants.listIdle(plan, before, servedBefore)) {
        if (this.waking.has(tenant.id)) continue;
        if (await this.sleep(tenant, idleSeconds)) slept.push(tenant.slug);
      }
    }
    return slept;
  }

  private async sleep(tenant: TenantRecord, idleSeconds: number): Promise<boolean> {
    const asleep = await this.tenants.transition(tenant.id, ['active'], 'sleeping');
    if (!asleep) return false;
    await this.reconcile.reconcile(asleep, { wait: true, only: ['workspace'], expected: true });
    await this.audit.recordSystem('idle-sleeper', {
      action: 'workspace.sleep',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: { status: { from: 'active', to: 'sleeping' } },
      reason: `No request for ${describeSeconds(idleSeconds)}`,
    });
    return true;
  }

  /** Whether this process is waking the tenant, or waiting for another process's wake: the edge keeps showing the waking page. */
  isWaking(tenantId: string): boolean {
    return this.waking.has(tenantId);
  }

  /**
   * Wakes a sleeping workspace: active again, its container started and its
   * route rewritten (the endpoint may have moved), then waits until it
   * answers. One wake at a time whichever process sees the request: the wake
   * holds the tenant's `wake:<id>` lease in the database, and a process that
   * finds it held waits until it is released instead of starting a second.
   * Starting it twice at once in one process is one wake.
   */
  wake(tenant: TenantRecord, requestedBy: string): Promise<void> {
    const key = tenant.id;
    let running = this.waking.get(key);
    if (!running) {
      running = this.wakeOnce(tenant, requestedBy)
        .catch(async (error: unknown) => {
          this.logger.error({ err: error, tenant: tenant.slug }, 'wake failed');
          await this.tellWakeFailed(tenant, error instanceof Error ? error.message : String(error));
        })
        .finally(() => this.waking.delete(key));
      this.waking.set(key, running);
    }
    return running;
  }

  private async wakeOnce(tenant: TenantRecord, requestedBy: string): Promise<void> {
    const lease = wakeLease(tenant.id);
    const holder = randomBytes(8).toString('hex');
    if (!(await this.leases.acquire(lease, holder, this.config.provisioning.leaseMs))) return this.untilWoken(lease);
    try {
      await this.wakeNow(tenant, requestedBy);
    } finally {
      await this.leases.release(lease, holder);
    }
  }

  /** Waits while another process holds the wake's lease (it is released when the workspace answers, or expires if that process stopped). */
  private async untilWoken(lease: string): Promise<void> {
    const deadline = this.clock.monotonic() + this.config.provisioning.leaseMs;
    while (this.clock.monotonic() < deadline && (await this.leases.isHeld(lease))) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private async wakeNow(tenant: TenantRecord, requestedBy: string): Promise<void> {
    const started = this.clock.monotonic();
    const awake = await this.tenants.beginWake(tenant.id);
    if (!awake) return;
    // beginWake set the last-activity time: the wake counts as activity from its start.
    try {
      const result = await this.reconcile.reconcile(awake, { wait: true, only: ['workspace', 'route'], expected: true });
      const failed = result.steps.workspace?.state === 'error' ? result.steps.workspace : undefined;
      if (failed) await this.tellWakeFailed(awake, failed.error ?? 'the workspace did not start');
      const fresh = (await this.tenants.findById(tenant.id)) ?? awake;
      // The default service answering stands for the workspace: the others start in the same container.
      const [main] = (await this.catalog.get(fresh.plan)).template.services;
      const target = main ? fresh.edgeTargets[String(main.port)] : undefined;
      if (target) await this.untilAnswering(fresh, target, ANSWER_WAIT_MS);
    } finally {
      await this.tenants.endWake(tenant.id);
    }
    await this.audit.recordSystem('edge', {
      action: 'workspace.wake',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: { status: { from: 'sleeping', to: 'active' } },
      reason: `Woken by a request from ${requestedBy} (${Math.round(this.clock.monotonic() - started)} ms)`,
    });
  }

  /** Tells the tenant's people (and operators) that a request could not wake their workspace. */
  private tellWakeFailed(tenant: TenantRecord, why: string): Promise<void> {
    return this.notifier.notify({
      kind: 'workspace.wake_failed',
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      subject: `The workspace of ${tenant.name} did not wake`,
      text: `A request for ${tenant.name} (${tenant.slug}) tried to wake its sleeping workspace, and it did not start: ${why}\n\nA reconcile or a restart from the portal tries again.`,
      key: `workspace.wake_failed:${tenant.id}:${this.clock.now().toISOString()}`,
    });
  }

  /**
   * Waits until the workspace answers HTTP at `target`, whatever the status,
   * for at most `waitMs` of real time. A target this process cannot resolve
   * (the API is not on the workspace's network: the compose stack, a Swarm's
   * overlay) is taken as ready once the engine says it runs: on a Swarm that
   * is when the task scaled back to 1 runs, a moment after the reconcile.
   */
  private async untilAnswering(tenant: TenantRecord, target: string, waitMs: number): Promise<void> {
    const deadline = this.clock.monotonic() + waitMs;
    while (this.clock.monotonic() < deadline) {
      try {
        await fetch(target, { method: 'HEAD', signal: AbortSignal.timeout(500), redirect: 'manual' });
        return;
      } catch (error: unknown) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return this.untilRunning(tenant, deadline);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  private async untilRunning(tenant: TenantRecord, deadline: number): Promise<void> {
    while (this.clock.monotonic() < deadline) {
      const { state } = await this.runtime.status({ tenantId: tenant.id, slug: tenant.slug }, false).catch(() => ({ state: 'unknown' }));
      if (state === 'running') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function describeSeconds(seconds: number): string {
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
