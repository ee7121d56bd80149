import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { SystemHealthService } from '../health/system-health.service';
import { LeaseRepository } from '../provisioning/lease.repository';
import { TenantHealthService } from '../tenants/tenant-health.service';
import { TenantsRepository } from '../tenants/tenants.repository';
import { IncidentsRepository } from './incidents.repository';
import { IncidentsService, type Observation } from './incidents.service';

const LEASE = 'incident-monitor';

/** What one pass did: for logs and tests. */
export interface MonitorReport {
  /** Why it did nothing (another process checking), else null. */
  skipped: string | null;
  /** Causes seen failing, before any threshold. */
  failing: string[];
  opened: string[];
  resolved: string[];
}

/**
 * The incident pass: every INCIDENTS_CHECK_SECONDS it probes the platform's
 * dependencies (as GET /system/health does) and reads every live tenant's
 * health, keeps since when each cause has been failing, opens an incident
 * for a cause failing longer than its threshold, and resolves an open one
 * whose cause has cleared. One process runs a pass at a time (a lease in the
 * database); within a process a pass asked for while one runs is that pass;
 * and an incident's unique slot keeps a cause to one open incident whatever
 * happens. Tests call `pass()` and move the clock.
 */
@Injectable()
export class IncidentMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IncidentMonitor.name);
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<MonitorReport> | null = null;

  constructor(
    private readonly system: SystemHealthService,
    private readonly tenantHealth: TenantHealthService,
    private readonly tenants: TenantsRepository,
    private readonly incidents: IncidentsRepository,
    private readonly service: IncidentsService,
    private readonly leases: LeaseRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.incidents.checkMs;
    if (interval <= 0) return;
    this.timer = setInterval(() => void this.pass().catch((error: unknown) => this.logger.warn({ err: error }, 'incident pass failed')), interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Runs a pass now (or answers the one under way). */
  pass(): Promise<MonitorReport> {
    this.running ??= this.runPass().finally(() => (this.running = null));
    return this.running;
  }

  private async runPass(): Promise<MonitorReport> {
    const report: MonitorReport = { skipped: null, failing: [], opened: [], resolved: [] };
    // Held for at most a few intervals: a process that died mid-pass holds up the others that long.
    if (!(await this.leases.acquire(LEASE, this.holder, Math.max(3 * this.config.incidents.checkMs, 60_000)))) return { ...report, skipped: 'another process is checking' };
    try {
      const observations = await this.observe();
      const [watches, open] = await Promise.all([this.incidents.watches(), this.incidents.listOpen()]);
      const openByCause = new Map(open.map((incident) => [incident.cause, incident]));
      const now = this.clock.now();
      for (const observation of observations) {
        const since = watches.get(observation.cause) ?? null;
        const incident = openByCause.get(observation.cause);
        openByCause.delete(observation.cause);
        if (observation.failing) {
          report.failing.push(observation.cause);
          if (!since) await this.incidents.watch(observation.cause, now, now);
          const failingSince = since ?? now;
          if (!incident && now.getTime() - failingSince.getTime() >= this.thresholdOf(observation)) {
            const opened = await this.service.open(observation, failingSince);
            if (opened) report.opened.push(opened.id);
          }
          continue;
        }
        if (since) await this.incidents.watch(observation.cause, null, now);
        if (incident && (await this.service.resolveAutomatically(incident, observation.detail))) report.resolved.push(incident.id);
      }
      // Open incidents whose cause nobody observes any more: a probe no longer run, a tenant gone.
      for (const incident of openByCause.values()) {
        if (await this.service.resolveAutomatically(incident, incident.kind === 'tenant' ? 'the tenant is no longer live (suspended, terminated or rejected), so it is no longer watched.' : 'the probe is no longer run.')) report.resolved.push(incident.id);
      }
      return report;
    } finally {
      await this.leases.release(LEASE, this.holder).catch(() => undefined);
    }
  }

  private thresholdOf(observation: Observation): number {
    return observation.kind === 'probe' ? this.config.incidents.probeThresholdMs : this.config.incidents.tenantThresholdMs;
  }

  /** Every probe, and every tenant that is live (not terminated, suspended or a rejected sign-up). */
  private async observe(): Promise<Observation[]> {
    const [health, all] = await Promise.all([this.system.check(), this.tenants.listAll()]);
    const observations: Observation[] = health.probes.map((probe) => ({
      cause: `probe:${probe.name}`,
      kind: 'probe',
      failing: probe.status === 'down',
      title: `The ${probe.name} probe is failing`,
      detail: probe.status === 'down' ? `The ${probe.name} probe fails: ${probe.lastError ?? 'no detail'}.` : `the ${probe.name} probe is ${probe.status === 'up' ? 'answering again' : 'no longer run'}.`,
      probe: probe.name,
      tenantId: null,
    }));
    const live = all.filter((tenant) => tenant.status !== 'terminated' && tenant.status !== 'suspended' && tenant.approval !== 'rejected');
    for (const tenant of await this.tenantHealth.describe(live)) {
      const down = tenant.health.status === 'down';
      observations.push({
        cause: `tenant:${tenant.id}`,
        kind: 'tenant',
        failing: down,
        title: `${tenant.name} is down`,
        detail: down ? `${tenant.name} (${tenant.slug}) is down: ${tenant.health.reasons.join('; ') || 'no reason given'}.` : `${tenant.name} is ${tenant.health.status} again.`,
        probe: null,
        tenantId: tenant.id,
      });
    }
    return observations;
  }
}
