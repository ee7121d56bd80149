import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Incident, IncidentAction, IncidentEntry, IncidentSummary, Page } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { BackupRestoresService } from '../backups/backup-restores.service';
import { BackupsRepository } from '../backups/backups.repository';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { Notifier } from '../common/notifier';
import { LeaseRepository } from '../provisioning/lease.repository';
import { ReconcileService } from '../provisioning/reconcile.service';
import { WorkspaceService } from '../provisioning/workspace.service';
import { TenantHealthService } from '../tenants/tenant-health.service';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersRepository } from '../users/users.repository';
import type { IncidentEntryRecord, IncidentRecord } from './incident.schema';
import { IncidentsRepository, type NewIncident } from './incidents.repository';

/** What the pass saw of one cause. */
export interface Observation {
  cause: string;
  kind: 'probe' | 'tenant';
  failing: boolean;
  title: string;
  /** What is wrong (failing), or how it is now (cleared): a sentence. */
  detail: string;
  probe: string | null;
  tenantId: string | null;
}

const ACTION_WORDS: Record<IncidentAction, { doing: string; done: string }> = {
  reconcile: { doing: 'reconcile the tenant', done: 'Reconciled the tenant' },
  'restart-workspace': { doing: 'restart the workspace', done: 'Restarted the workspace' },
  'restore-last-backup': { doing: 'restore the last backup from before the incident', done: 'Restored the last backup from before the incident' },
};

/** What the audit trail calls each remediation. */
const AUDIT_ACTIONS: Record<IncidentAction, string> = { reconcile: 'tenant.reconcile', 'restart-workspace': 'workspace.restart', 'restore-last-backup': 'backup.restore' };

const system = (): IncidentEntryRecord['by'] => ({ kind: 'system', userId: null });

/**
 * Incidents as operators work them: opened and resolved by the pass
 * (IncidentMonitor), acknowledged, resolved with a note, and remedied
 * (reconcile, restart the workspace) by operators. Opening and resolving tell
 * people through the Notifier port, and the timeline says so. Every change
 * by an operator is audited; nothing is ever removed.
 */
@Injectable()
export class IncidentsService {
  private readonly logger = new Logger(IncidentsService.name);
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly incidents: IncidentsRepository,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly health: TenantHealthService,
    private readonly reconciler: ReconcileService,
    private readonly workspaces: WorkspaceService,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly leases: LeaseRepository,
    private readonly backups: BackupsRepository,
    private readonly restores: BackupRestoresService,
  ) {}

  // ---- reads -------------------------------------------------------------

  async list(filter: { state?: 'open' | 'resolved'; tenant?: string }, page: number, pageSize: number): Promise<Page<IncidentSummary>> {
    let tenantId: string | undefined;
    if (filter.tenant) {
      const tenant = await this.tenants.findBySlug(filter.tenant);
      if (!tenant) return { items: [], total: 0, page, pageSize };
      tenantId = tenant.id;
    }
    const { items, total } = await this.incidents.list({ state: filter.state, tenantId }, (page - 1) * pageSize, pageSize);
    const described = await this.describe(items, true);
    return { items: described.map(({ timeline: _timeline, ...summary }) => summary), total, page, pageSize };
  }

  /** A tenant's incidents, for its page: operators see who acted, a tenant's people see "an operator". */
  async listForTenant(actor: Actor, tenant: { id: string }, page: number, pageSize: number): Promise<Page<Incident>> {
    const { items, total } = await this.incidents.list({ tenantId: tenant.id }, (page - 1) * pageSize, pageSize);
    return { items: await this.describe(items, actor.isOperator), total, page, pageSize };
  }

  async get(id: string): Promise<Incident> {
    const [described] = await this.describe([await this.find(id)], true);
    return described!;
  }

  // ---- operators ---------------------------------------------------------

  async acknowledge(actor: Actor, id: string): Promise<Mutation<Incident>> {
    const incident = await this.find(id);
    if (incident.state !== 'open') throw DomainError.conflict('That incident is resolved already: there is nothing to acknowledge');
    if (incident.acknowledgedAt) throw DomainError.conflict('That incident is acknowledged already');
    const now = this.clock.now();
    // One acknowledgement, whoever clicks at the same moment: read again under the incident's write lease.
    const updated = await this.writing(incident.id, async () => {
      const current = await this.incidents.findById(incident.id);
      if (!current || current.state !== 'open' || current.acknowledgedAt) throw DomainError.conflict('That incident is acknowledged already');
      return this.incidents.append(incident.id, { at: now, type: 'acknowledged', by: this.operator(actor), text: 'Acknowledged: an operator is looking into it.' }, { acknowledgedAt: now }, { acknowledgedAt: null });
    });
    if (!updated) throw DomainError.conflict('That incident changed meanwhile: read it again');
    return mutation(await this.get(updated.id), { ...this.target(updated), action: 'incident.acknowledge', changes: { acknowledgedAt: { from: null, to: now.toISOString() } } });
  }

  async resolve(actor: Actor, id: string, note: string): Promise<Mutation<Incident>> {
    const incident = await this.find(id);
    if (incident.state !== 'open') throw DomainError.conflict('That incident is resolved already');
    const now = this.clock.now();
    const resolved = await this.resolveOnce(incident, { at: now, type: 'resolved', by: this.operator(actor), text: `Resolved by an operator: ${note}` }, 'operator');
    if (!resolved) throw DomainError.conflict('That incident is resolved already');
    // The cause starts counting again: if it still fails, a new incident opens after a whole threshold.
    await this.incidents.watch(incident.cause, now, now);
    await this.tell(resolved, 'incident.resolved');
    return mutation(await this.get(resolved.id), { ...this.target(resolved), action: 'incident.resolve', changes: { state: { from: 'open', to: 'resolved' } }, reason: note });
  }

  /**
   * Runs a remediation on the incident's tenant, writes what came of it on
   * the timeline, and resolves the incident at once if the tenant is no
   * longer down. Refused (409, nothing done) on a resolved incident, a
   * platform incident, or a tenant whose workspace cannot be controlled.
   */
  async act(actor: Actor, id: string, action: IncidentAction): Promise<Mutation<Incident>> {
    const incident = await this.find(id);
    if (incident.state !== 'open') throw DomainError.conflict('That incident is resolved: nothing is run for it any more');
    if (!incident.tenantId) throw DomainError.conflict('That incident is about the platform, not a tenant: it has no remediation actions');
    const tenant = await this.tenants.findById(incident.tenantId);
    if (!tenant) throw DomainError.notFound('The incident\'s tenant');
    if (tenant.status === 'terminated') throw DomainError.tenantTerminated(tenant);

    const outcome = await this.run(actor, incident, tenant, action);
    const at = this.clock.now();
    const entry: IncidentEntryRecord = { at, type: 'action', by: this.operator(actor), action, outcome: outcome.ok ? 'succeeded' : 'failed', text: outcome.text };
    const updated = (await this.writing(incident.id, async () => (await this.incidents.append(incident.id, entry)) ?? (await this.incidents.note(incident.id, entry)))) ?? incident;
    const after = await this.recheck(updated);
    return mutation(await this.get(after.id), {
      action: AUDIT_ACTIONS[action],
      target: action === 'restart-workspace' ? { type: 'workspace', id: tenant.slug } : { type: 'tenant', id: tenant.id },
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      changes: { incident: { from: null, to: incident.id }, outcome: { from: null, to: entry.outcome } },
      reason: `Remediation of the incident "${incident.title}"`,
    });
  }

  // ---- the pass ----------------------------------------------------------

  /** Opens an incident for a cause failing since `since`; null when one is open for it already. */
  async open(observation: Observation, since: Date): Promise<IncidentRecord | null> {
    const now = this.clock.now();
    const minutes = describeDuration(now.getTime() - since.getTime());
    const draft: NewIncident = {
      kind: observation.kind,
      cause: observation.cause,
      title: observation.title,
      detail: observation.detail,
      probe: observation.probe,
      tenantId: observation.tenantId,
      failingSince: since,
      openedAt: now,
      opened: { at: now, type: 'opened', by: system(), text: `Opened: ${observation.detail} (failing for ${minutes}).` },
    };
    const opened = await this.incidents.open(draft);
    if (opened) await this.tell(opened, 'incident.opened');
    return opened;
  }

  /** Resolves an open incident whose cause has cleared. */
  async resolveAutomatically(incident: IncidentRecord, how: string): Promise<IncidentRecord | null> {
    const resolved = await this.resolveOnce(incident, { at: this.clock.now(), type: 'resolved', by: system(), text: `Resolved automatically: ${how}` }, 'automatic');
    if (resolved) await this.tell(resolved, 'incident.resolved');
    return resolved;
  }

  // ---- helpers -----------------------------------------------------------

  /**
   * Resolves an open incident exactly once, whoever else resolves it at the
   * same moment (the pass, an operator, a remediation's recheck, in any
   * process): resolutions of one incident take a lease in the database and
   * read it again under it, so the timeline never gets two "resolved"
   * entries and people are never told twice. (The update is conditional on
   * the incident being open, but FerretDB v1 does not apply a conditional
   * update atomically; an insert, which the lease is, decides on both.)
   * Null when it was resolved already.
   */
  private resolveOnce(incident: IncidentRecord, entry: IncidentEntryRecord, resolution: 'automatic' | 'operator'): Promise<IncidentRecord | null> {
    return this.writing(incident.id, async () => {
      const current = await this.incidents.findById(incident.id);
      if (!current || current.state !== 'open') return null;
      return this.incidents.resolve(current, entry, resolution);
    });
  }

  /**
   * Runs one write of an incident's record under its write lease, in this
   * process and across processes: FerretDB v1 applies an update as a read
   * and a write, so two at once (a remediation's action entry and the
   * pass's resolution) could lose one. Seen in CI under load: the incident
   * resolved, and the action that fixed it was missing from its timeline.
   */
  private writing<T>(id: string, write: () => Promise<T>): Promise<T> {
    return this.leases.holding(`incident:${id}`, this.holder, { ttlMs: 60_000, waitMs: 15_000, busy: 'That incident is being changed right now: try again in a moment' }, write);
  }

  private async run(actor: Actor, incident: IncidentRecord, tenant: TenantRecord, action: IncidentAction): Promise<{ ok: boolean; text: string }> {
    const words = ACTION_WORDS[action];
    try {
      if (action === 'restore-last-backup') return await this.restoreLastBackup(actor, incident, tenant);
      if (action === 'reconcile') {
        const result = await this.reconciler.reconcile(tenant, { wait: true, checkDomains: true });
        if (!result.ran) return { ok: false, text: `Tried to ${words.doing}, but another reconcile held it too long: nothing was run.` };
        const failed = Object.entries(result.steps).filter(([, step]) => step.state === 'error');
        if (failed.length > 0) return { ok: false, text: `${words.done}; still in error: ${failed.map(([name, step]) => `the ${name} step (${step.error ?? 'no detail'})`).join(', ')}.` };
        return { ok: true, text: `${words.done}: every step is in order.` };
      }
      const status = (await this.workspaces.restart(tenant)).result;
      if (status.state === 'running') return { ok: true, text: `${words.done}: it is running.` };
      return { ok: false, text: `${words.done}; it is ${status.state}${status.reason ? ` (${status.reason})` : ''}.` };
    } catch (error: unknown) {
      // A refusal (the workspace cannot be controlled now) changes nothing: answered as it is, and not written down.
      if (error instanceof DomainError) throw error;
      return { ok: false, text: `Tried to ${words.doing}, and it failed: ${error instanceof Error ? error.message : String(error)}.` };
    }
  }

  /**
   * Restores the tenant's last backup from before the incident's cause began
   * failing (a later one may hold what broke), through the same restore as
   * the backups' route: a backup of the current data first, then the drill.
   * Refused (409, nothing done) when there is no such backup.
   */
  private async restoreLastBackup(actor: Actor, incident: IncidentRecord, tenant: TenantRecord): Promise<{ ok: boolean; text: string }> {
    const words = ACTION_WORDS['restore-last-backup'];
    const backup = await this.backups.latestRestorableBefore(tenant.id, incident.failingSince);
    if (!backup) throw DomainError.conflict(`${tenant.name} has no backup from before this incident began (${incident.failingSince.toISOString()}) that can be restored`);
    const { result } = await this.restores.restoreInPlace(actor, tenant, backup.id, { replaceCurrentData: true, reason: `Remediation of the incident "${incident.title}"` });
    const taken = `the backup of ${backup.startedAt.toISOString()}`;
    if (result.restore.result !== 'succeeded') return { ok: false, text: `Tried to ${words.doing} (${taken}), and it failed: ${result.restore.error ?? 'no reason was given'}. The current data was kept.` };
    const proof = result.restore.drill;
    const files = proof?.files === null || proof?.files === undefined ? 'the files' : `all ${proof.files} files`;
    const drill = !proof?.passed
      ? ''
      : proof.expectedChecksum
        ? `; the check confirmed ${files} match the backup${proof.verifiedAgainstSnapshot ? ' (its file list, and their content read back against the snapshot)' : ''}`
        : `; the check confirmed ${files} match the backup (their content read back against the snapshot)`;
    return { ok: true, text: `${words.done} (${taken})${drill}. The data it replaced was backed up first.` };
  }

  /** After an action: resolves the incident at once when its tenant is no longer down. */
  private async recheck(incident: IncidentRecord): Promise<IncidentRecord> {
    if (!incident.tenantId || incident.state !== 'open') return incident;
    const tenant = await this.tenants.fresh(incident.tenantId);
    if (!tenant) return incident;
    const { health } = await this.health.describeOne(tenant);
    if (health.status === 'down') return incident;
    const resolved = await this.resolveAutomatically(incident, `the tenant is ${health.status} again.`);
    if (resolved) await this.incidents.watch(incident.cause, null, this.clock.now());
    return resolved ?? incident;
  }

  /** Tells people (the Notifier never throws), and writes that it did on the timeline. */
  private async tell(incident: IncidentRecord, kind: 'incident.opened' | 'incident.resolved'): Promise<void> {
    const tenant = incident.tenantId ? await this.tenants.findById(incident.tenantId) : null;
    const opened = kind === 'incident.opened';
    const subject = `${opened ? 'Incident' : 'Resolved'}: ${incident.title}`;
    const text = opened
      ? `${incident.detail} It has been failing since ${incident.failingSince.toISOString()}. Operators can follow it on the Incidents page of the console.`
      : `${incident.title}: this incident is resolved. ${incident.timeline.at(-1)?.text ?? ''}`.trim();
    await this.notifier.notify({ kind, tenantId: tenant?.id ?? null, partnerId: tenant?.partnerId ?? null, subject, text, key: `${kind}:${incident.id}` });
    const who = tenant ? "Operators and the tenant's owners were told" : 'Operators were told';
    await this.writing(incident.id, () => this.incidents.note(incident.id, { at: this.clock.now(), type: 'notified', by: system(), text: `${who} that it ${opened ? 'opened' : 'is resolved'}.` }));
  }

  private async find(id: string): Promise<IncidentRecord> {
    const incident = await this.incidents.findById(id);
    if (!incident) throw DomainError.notFound('That incident');
    return incident;
  }

  private operator(actor: Actor): IncidentEntryRecord['by'] {
    return { kind: 'operator', userId: actor.user?.id ?? null };
  }

  private target(incident: IncidentRecord) {
    return { target: { type: 'incident', id: incident.id }, tenantId: incident.tenantId };
  }

  private async describe(records: IncidentRecord[], showOperators: boolean): Promise<Incident[]> {
    const tenantIds = [...new Set(records.map((r) => r.tenantId).filter((id): id is string => id !== null))];
    const userIds = showOperators ? [...new Set(records.flatMap((r) => r.timeline.map((e) => e.by.userId)).filter((id): id is string => id !== null))] : [];
    const [tenants, users] = await Promise.all([this.tenants.findByIds(tenantIds), userIds.length > 0 ? this.users.findByIds(userIds) : Promise.resolve([])]);
    const tenantById = new Map(tenants.map((t) => [t.id, t]));
    const nameOf = new Map(users.map((u) => [u.id, u.name || u.email]));
    return records.map((record) => {
      const tenant = record.tenantId ? tenantById.get(record.tenantId) : undefined;
      const timeline: IncidentEntry[] = record.timeline.map((entry) => ({
        at: entry.at.toISOString(),
        type: entry.type,
        by: { kind: entry.by.kind, name: entry.by.kind === 'operator' && showOperators && entry.by.userId ? (nameOf.get(entry.by.userId) ?? null) : null },
        text: entry.text,
        ...(entry.action ? { action: entry.action } : {}),
        ...(entry.outcome ? { outcome: entry.outcome } : {}),
      }));
      return {
        id: record.id,
        kind: record.kind,
        cause: record.cause,
        state: record.state,
        title: record.title,
        detail: record.detail,
        probe: record.probe,
        tenant: record.tenantId ? { id: record.tenantId, slug: tenant?.slug ?? '', name: tenant?.name ?? '' } : null,
        failingSince: record.failingSince.toISOString(),
        openedAt: record.openedAt.toISOString(),
        acknowledgedAt: record.acknowledgedAt?.toISOString() ?? null,
        resolvedAt: record.resolvedAt?.toISOString() ?? null,
        resolution: record.resolution,
        timeline,
      };
    });
  }
}

/** "3 minutes", "1 hour 5 minutes", "40 seconds". */
export function describeDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `${hours} hour${hours === 1 ? '' : 's'}${rest > 0 ? ` ${rest} minute${rest === 1 ? '' : 's'}` : ''}`;
}
