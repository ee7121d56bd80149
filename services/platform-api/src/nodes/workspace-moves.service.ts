import { Injectable, Logger } from '@nestjs/common';
import type { WorkspaceMoveOutcome, WorkspaceMoveTarget, WorkspaceMoveTargets } from '@tessera/contracts';
import { mutation, tenantTarget, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { backupActor, BackupsService, restoreDrill, sentenceOf, workspaceOf } from '../backups/backups.service';
import { BackupsRepository } from '../backups/backups.repository';
import type { BackupRecord } from '../backups/backup.schema';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { ContainerNodes, type EngineNode } from '../integrations/containers/container-nodes.port';
import { ContainerRuntime, type BackupRepository, type VolumeRestore, type WorkspaceSpec } from '../integrations/containers/container-runtime.port';
import { IntegrationError } from '../integrations/integration-error';
import { ReconcileService } from '../provisioning/reconcile.service';
import { WorkspaceStep } from '../provisioning/steps/workspace.step';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';

/** What a node id looks like (a Swarm's: 25 letters and digits). */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** How long a moved workspace that should run may take to start on its new node before the move is undone. */
const START_WITHIN_MS = 120_000;
/** Tries to put a workspace back on its old node after a failed move. */
const ROLLBACK_ATTEMPTS = 3;

interface Place {
  id: string;
  name: string;
}

/** A move's checks passed: where from, where to, and the repository the data travels through. */
interface MovePlan {
  repository: BackupRepository;
  from: Place;
  to: Place;
}

/**
 * Moving a tenant's workspace to another node of a Swarm, for operators. A
 * workspace's data volume is local to its node, so the data travels through
 * the backup repository, which must be S3 (a volume repository lives on one
 * node). Under the tenant's provisioning lease (no reconcile meanwhile) and
 * its backup lock: the workspace is stopped (nothing written after the
 * backup is lost), backed up (trigger `before_move`), pinned to the new node
 * with an empty volume there, the snapshot restored into it and compared with
 * the backup's file list (the restore drill), started there, and only then is
 * its handle switched to the new node. Any failure puts it back on the old
 * node, whose volume was only read, and answers that nothing was moved. The
 * old node's volume is kept as it was: a manager cannot remove a node's
 * volume, and it is a last copy until an operator removes it (docs/deploy.md).
 */
@Injectable()
export class WorkspaceMovesService {
  private readonly logger = new Logger(WorkspaceMovesService.name);

  constructor(
    private readonly nodes: ContainerNodes,
    private readonly runtime: ContainerRuntime,
    private readonly backups: BackupsService,
    private readonly backupRecords: BackupsRepository,
    private readonly reconcile: ReconcileService,
    private readonly workspace: WorkspaceStep,
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** The nodes the workspace could move to, each eligible or why not, and why it cannot move at all when it cannot. */
  async targets(tenant: TenantRecord): Promise<WorkspaceMoveTargets> {
    const base = { slug: tenant.slug, tenantName: tenant.name };
    // The same order as a move's checks: one engine first.
    if (this.nodes.kind !== 'swarm') return { ...base, current: null, blocked: ONE_ENGINE, nodes: [] };
    const blocked = this.blocked(tenant);
    const [nodes, unmet] = await Promise.all([this.nodes.list(), this.nodes.unmetPlacement(this.placementOf(tenant))]);
    const currentId = nodeOfHandle(tenant);
    const current = nodes.find((node) => node.id === currentId) ?? null;
    const targets: WorkspaceMoveTarget[] = nodes
      .filter((node) => node.id !== currentId)
      .map((node) => {
        const reason = whyNot(node, unmet.get(node.id) ?? []);
        return { id: node.id, name: node.name, eligible: reason === null, reason };
      })
      .sort((a, b) => Number(b.eligible) - Number(a.eligible) || a.name.localeCompare(b.name));
    return { ...base, current: current ? { id: current.id, name: current.name } : currentId ? { id: currentId, name: currentId } : null, blocked: blocked ?? (current ? whyStuck(current) : null), nodes: targets };
  }

  async move(actor: Actor, tenant: TenantRecord, nodeId: string, reason: string): Promise<Mutation<WorkspaceMoveOutcome>> {
    await this.check(tenant, nodeId);
    const outcome = await this.reconcile.exclusive(tenant, () =>
      this.backups.locked(tenant, async () => {
        // Read again under the locks: another move may have finished meanwhile.
        const fresh = (await this.tenants.fresh(tenant.id)) ?? tenant;
        return this.moveLocked(actor, fresh, await this.check(fresh, nodeId));
      }),
    );
    return mutation(outcome, {
      action: 'workspace.move',
      ...tenantTarget(tenant),
      changes: {
        node: { from: outcome.from.name, to: outcome.to.name },
        backup: { from: null, to: outcome.backupId },
        leftBehind: { from: null, to: outcome.leftBehind },
      },
      reason,
    });
  }

  /** Every rule a move must meet, checked before anything changes: a refusal is a 4xx sentence. */
  private async check(tenant: TenantRecord, nodeId: string): Promise<MovePlan> {
    if (this.nodes.kind !== 'swarm') throw DomainError.conflict(ONE_ENGINE);
    const blocked = this.blocked(tenant);
    if (blocked) throw DomainError.conflict(blocked);
    if (!NODE_ID.test(nodeId)) throw DomainError.notFound('That node');
    const [nodes, unmet] = await Promise.all([this.nodes.list(), this.nodes.unmetPlacement(this.placementOf(tenant))]);
    const target = nodes.find((node) => node.id === nodeId);
    if (!target) throw DomainError.notFound('That node');
    const fromId = nodeOfHandle(tenant)!;
    const from = nodes.find((node) => node.id === fromId);
    if (target.id === fromId) throw DomainError.conflict(`The workspace of ${tenant.name} is on ${target.name} already`);
    if (!from) throw DomainError.conflict(`The node ${fromId} that holds the workspace's data has left the Swarm: there is nothing to move (restore a backup instead)`);
    const stuck = whyStuck(from);
    if (stuck) throw DomainError.conflict(stuck);
    const why = whyNot(target, unmet.get(target.id) ?? []);
    if (why) throw DomainError.conflict(why);
    return { repository: this.config.backups.repository!, from: { id: from.id, name: from.name }, to: { id: target.id, name: target.name } };
  }

  /** Why the tenant's workspace cannot be moved anywhere, whatever the node; null when it can. */
  private blocked(tenant: TenantRecord): string | null {
    const repository = this.config.backups.repository;
    if (!repository) return `Moving a workspace carries its data through the backup repository, and ${lowerFirst(this.config.backups.disabledReason ?? 'workspace backups are not configured')}. Set BACKUP_REPOSITORY to an S3-compatible bucket (s3:https://host/bucket) to move workspaces.`;
    if (!repository.s3) {
      return `Moving a workspace carries its data through the backup repository, and BACKUP_REPOSITORY is the volume ${repository.location}, which lives on one node: set BACKUP_REPOSITORY to an S3-compatible bucket (s3:https://host/bucket) to move workspaces.`;
    }
    if (!nodeOfHandle(tenant)) return `${tenant.name} has no workspace on a node yet: there is nothing to move`;
    return null;
  }

  private placementOf(tenant: TenantRecord): string[] {
    return this.config.workspace.placement[tenant.plan] ?? [];
  }

  private async moveLocked(actor: Actor, tenant: TenantRecord, plan: MovePlan): Promise<WorkspaceMoveOutcome> {
    const { repository, from, to } = plan;
    const workspace = workspaceOf(tenant);
    const spec = await this.workspace.specOf(tenant);
    const nothingMoved = (why: string) => `Nothing was moved: ${lowerFirst(why.replace(/[.]+$/, ''))}. The workspace of ${tenant.name} is on ${from.name} with its data as it was`;

    // Stopped first, so that nothing it writes after the backup is left behind.
    try {
      await this.runtime.stop(workspace);
    } catch (error: unknown) {
      await this.putBack(spec, from);
      throw new IntegrationError('containers', 'unavailable', nothingMoved(`it could not be stopped: ${sentenceOf(error)}`));
    }
    let backup: BackupRecord;
    try {
      backup = await this.backups.takeLocked(tenant, 'before_move', backupActor(actor), repository);
    } catch (error: unknown) {
      backup = { result: 'failed', error: sentenceOf(error) } as BackupRecord;
    }
    if (backup.result !== 'succeeded' || !backup.snapshotId || !backup.fileListChecksum) {
      await this.putBack(spec, from);
      throw new IntegrationError('backups', 'unavailable', nothingMoved(`the backup taken first failed: ${backup.error ?? 'it recorded no file list to check the copy against'}`));
    }
    const snapshotId = backup.snapshotId;
    const expected = backup.fileListChecksum;

    let files: number;
    try {
      await this.runtime.ensureWorkspace({ ...spec, running: false, moveTo: to.id });
      let restored;
      try {
        restored = await this.runtime.restoreVolume(workspace, repository, snapshotId, expected);
      } catch (error: unknown) {
        await this.recordRestore(actor, tenant, backup.id, expected, null, `The restore on ${to.name} for a move failed: ${sentenceOf(error)}`);
        throw error;
      }
      const passed = restored.manifest.checksum === expected;
      await this.recordRestore(actor, tenant, backup.id, expected, restored, passed ? null : `The restore drill on ${to.name} failed: the restored file list (${restored.manifest.files} files) differs from the backup's.`);
      if (!passed) throw new Error(`the data restored on ${to.name} differs from the backup's file list`);
      files = restored.manifest.files;
      const ensured = await this.runtime.ensureWorkspace({ ...spec, moveTo: to.id });
      if (spec.running) await this.startedOn(workspace, to);
      await this.tenants.recordSteps(tenant.id, { workspace: { state: 'ok', handle: ensured.handle, attempts: 1, updatedAt: this.clock.now() } });
    } catch (error: unknown) {
      this.logger.warn({ tenant: tenant.slug, from: from.name, to: to.name, err: sentenceOf(error) }, 'a move failed and is undone');
      const back = await this.putBack(spec, from);
      const why = nothingMoved(sentenceOf(error));
      throw new IntegrationError('containers', 'unavailable', back ? why : `${why.replace(/ with its data as it was$/, '')}, but putting it back there failed (${back === null ? 'no answer' : 'refused'}): its data there is as it was, and reconcile it to start it`);
    }

    const status = await this.runtime.status(workspace, false).catch(() => null);
    const state = status?.state ?? 'missing';
    const leftBehind = `The data volume tessera-${tenant.slug}-data on ${from.name}, as it was before the move`;
    return {
      slug: tenant.slug,
      from,
      to,
      backupId: backup.id,
      snapshotId,
      checksum: expected,
      files,
      workspace: { state, node: status?.node ?? null },
      leftBehind,
      message: `The workspace of ${tenant.name} moved from ${from.name} to ${to.name} with ${files === 0 ? 'its empty data volume' : `its ${files} file${files === 1 ? '' : 's'}`} (checked against the backup) and is ${state === 'running' ? 'running' : 'stopped, as before'} there. Its old volume on ${from.name} is kept until an operator removes it.`,
    };
  }

  /**
   * Waits until the workspace runs on its new node; one that does not start
   * there in time (its image missing there, the node failing) is a failed
   * move. Real time, bounded: the engine starts tasks in real time.
   */
  private async startedOn(workspace: ReturnType<typeof workspaceOf>, to: Place): Promise<void> {
    const until = this.clock.monotonic() + START_WITHIN_MS;
    for (;;) {
      const status = await this.runtime.status(workspace, false);
      if (status.state === 'running') return;
      if (this.clock.monotonic() > until) throw new Error(`it did not start on ${to.name} within ${START_WITHIN_MS / 1000} s${status.reason ? ` (${status.reason.replace(/[.]+$/, '')})` : ''}`);
      await new Promise((done) => setTimeout(done, 500));
    }
  }

  /** Pins the workspace to its old node again, running as it should; true when that was done. */
  private async putBack(spec: WorkspaceSpec, from: Place): Promise<boolean | null> {
    let last: unknown = null;
    for (let attempt = 1; attempt <= ROLLBACK_ATTEMPTS; attempt += 1) {
      try {
        await this.runtime.ensureWorkspace({ ...spec, moveTo: from.id });
        return true;
      } catch (error: unknown) {
        last = error;
      }
    }
    this.logger.error({ slug: spec.slug, node: from.name, err: sentenceOf(last) }, 'a workspace could not be put back on its node after a failed move');
    return last instanceof IntegrationError && last.code !== 'unavailable' ? false : null;
  }

  /** The move's restore, recorded on the backup it restored like any restore, with its drill. */
  private async recordRestore(actor: Actor, tenant: TenantRecord, backupId: string, expected: string, restored: VolumeRestore | null, error: string | null): Promise<void> {
    await this.backupRecords.addRestore(backupId, {
      at: this.clock.now(),
      intoTenantId: tenant.id,
      intoSlug: tenant.slug,
      result: error ? 'failed' : 'succeeded',
      safetyBackupId: null,
      drill: restored ? restoreDrill(expected, restored) : null,
      error,
      by: backupActor(actor),
    });
  }
}

const ONE_ENGINE = 'Workspaces run on one container engine here: there is no other node to move a workspace to. Moving needs a Docker Swarm (CONTAINER_RUNTIME=swarm).';

/** The node a workspace's handle names (`<service id>@<node id>` on a Swarm); null without one. */
function nodeOfHandle(tenant: TenantRecord): string | null {
  const handle = tenant.provisioning['workspace']?.handle ?? '';
  const at = handle.lastIndexOf('@');
  return at > 0 ? handle.slice(at + 1) || null : null;
}

/**
 * Why nothing can be moved off this node now: the backup that carries the
 * data runs on it, and a drained or unreachable node runs nothing.
 */
function whyStuck(node: EngineNode): string | null {
  if (node.state !== 'ready') return `${node.name}, which holds the workspace's data, is ${node.state}: the backup that carries the data cannot run there until it is back`;
  if (node.availability === 'drained') {
    return `${node.name}, which holds the workspace's data, is drained: nothing runs there, not even the backup that carries the data. Cordon it instead (make it active, then cordon it), move its workspaces, then drain it`;
  }
  return null;
}

/** Why a workspace cannot move to this node now, in a sentence; null when it can. */
function whyNot(node: EngineNode, unmet: string[]): string | null {
  if (node.role === 'engine') return `${node.name} is a single engine, not a node of a Swarm`;
  if (node.state !== 'ready') return `${node.name} is ${node.state}${node.message ? ` (${node.message})` : ''}: a workspace cannot be moved to it`;
  if (node.availability !== 'active') return `${node.name} is ${node.availability}${node.reason ? ` (${node.reason.replace(/[.]+$/, '')})` : ''}: a workspace cannot be moved to it`;
  if (unmet.length > 0) return `${node.name} does not meet the plan's placement (${unmet.join(', ')})`;
  return null;
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
