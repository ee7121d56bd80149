import type { Actor } from '../auth/actor';
import type { BackupsService } from '../backups/backups.service';
import type { BackupsRepository } from '../backups/backups.repository';
import type { BackupRecord, BackupRestoreRow } from '../backups/backup.schema';
import { isMutation } from '../audit/mutation';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { EngineNode } from '../integrations/containers/container-nodes.port';
import { engineNode, MemoryNodes } from '../../test/support/memory-nodes';
import type { BackupRepository, ContainerRuntime, WorkspaceSpec } from '../integrations/containers/container-runtime.port';
import type { ReconcileService } from '../provisioning/reconcile.service';
import type { WorkspaceStep } from '../provisioning/steps/workspace.step';
import type { TenantRecord } from '../tenants/tenant.schema';
import type { TenantsRepository } from '../tenants/tenants.repository';
import { WorkspaceMovesService } from './workspace-moves.service';

const S3: BackupRepository = { location: 's3:http://s3.example:9000/backups', password: 'p', s3: { accessKeyId: 'a', secretAccessKey: 's' }, image: 'backup' };
const CHECKSUM = 'c'.repeat(64);

/** The engine as the move uses it: each call written down, the service pinned where the last ensure put it, the restore's file list as given. */
class MemoryRuntime {
  readonly calls: string[] = [];
  pinned = 'n1';
  restoredChecksum = CHECKSUM;
  ensureWorkspace(spec: WorkspaceSpec) {
    if (spec.moveTo) this.pinned = spec.moveTo;
    this.calls.push(`ensure ${this.pinned} ${spec.running ? 'running' : 'stopped'}`);
    return Promise.resolve({ handle: `svc@${this.pinned}`, endpoints: {}, drift: [] });
  }
  stop() {
    this.calls.push('stop');
    return Promise.resolve();
  }
  restoreVolume(_workspace: unknown, _repository: unknown, snapshotId: string, expected: string | null) {
    this.calls.push(`restore ${snapshotId} on ${this.pinned} expecting ${expected === CHECKSUM ? 'the backup' : expected}`);
    return Promise.resolve({ manifest: { checksum: this.restoredChecksum, files: 3 }, verifiedFiles: 3 });
  }
  status() {
    return Promise.resolve({ state: 'running', node: `host-${this.pinned}`, image: 'w', startedAt: null, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null });
  }
}

function setUp(options: { kind?: 'swarm' | 'engine'; nodes?: EngineNode[]; repository?: BackupRepository | null; backup?: Partial<BackupRecord>; placement?: string[]; handle?: string | null } = {}) {
  const tenant = {
    id: '64b000000000000000000001',
    slug: 'acme',
    name: 'Acme',
    plan: 'starter',
    partnerId: null,
    status: 'active',
    workspaceStopped: false,
    provisioning: { workspace: { state: 'ok', handle: options.handle === undefined ? 'svc@n1' : options.handle, attempts: 1, updatedAt: new Date() } },
  } as unknown as TenantRecord;
  const nodes = new MemoryNodes(options.kind ?? 'swarm', options.nodes ?? [engineNode('n1'), engineNode('n2'), engineNode('n3', { availability: 'cordoned', reason: 'Disk check' })]);
  const runtime = new MemoryRuntime();
  const taken: string[] = [];
  const restores: BackupRestoreRow[] = [];
  const recorded: unknown[] = [];
  const backups = {
    locked: <T>(_tenant: unknown, work: () => Promise<T>) => work(),
    takeLocked: (_tenant: unknown, trigger: string) => {
      taken.push(trigger);
      runtime.calls.push(`backup ${trigger}`);
      return Promise.resolve({ id: 'b1', result: 'succeeded', snapshotId: 'snap1', fileListChecksum: CHECKSUM, error: null, ...options.backup } as BackupRecord);
    },
  } as unknown as BackupsService;
  const backupRecords = { addRestore: (_id: string, row: BackupRestoreRow) => (restores.push(row), Promise.resolve(null)) } as unknown as BackupsRepository;
  const reconcile = { exclusive: <T>(_tenant: unknown, work: () => Promise<T>) => work() } as unknown as ReconcileService;
  const step = { specOf: (t: TenantRecord) => Promise.resolve({ tenantId: t.id, slug: t.slug, running: true, placement: options.placement ?? [], handle: t.provisioning['workspace']?.handle ?? null } as WorkspaceSpec) } as unknown as WorkspaceStep;
  const tenants = {
    fresh: () => Promise.resolve(tenant),
    recordSteps: (_id: string, records: unknown) => (recorded.push(records), Promise.resolve(tenant)),
  } as unknown as TenantsRepository;
  const config = { backups: { repository: options.repository === undefined ? S3 : options.repository, disabledReason: options.repository === null ? 'Workspace backups are not configured: BACKUP_PASSWORD is not set' : null }, workspace: { placement: { starter: options.placement ?? [] } } } as unknown as AppConfig;
  const service = new WorkspaceMovesService(nodes, runtime as unknown as ContainerRuntime, backups, backupRecords, reconcile, step, tenants, config, new Clock());
  return { service, tenant, runtime, taken, restores, recorded };
}

const operator = { kind: 'operator', user: { id: 'u1' } } as unknown as Actor;

describe('WorkspaceMovesService', () => {
  it('stops the workspace, backs it up, restores it on the new node against the backup file list, starts it there, and only then switches its handle', async () => {
    const { service, tenant, runtime, restores, recorded } = setUp();
    const answer = await service.move(operator, tenant, 'n2', 'Emptying host-n1');
    expect(runtime.calls).toEqual(['stop', 'backup before_move', 'ensure n2 stopped', 'restore snap1 on n2 expecting the backup', 'ensure n2 running']);
    expect(recorded).toEqual([{ workspace: expect.objectContaining({ state: 'ok', handle: 'svc@n2' }) }]);
    expect(restores).toEqual([expect.objectContaining({ result: 'succeeded', drill: { expectedChecksum: CHECKSUM, actualChecksum: CHECKSUM, files: 3, verifiedAgainstSnapshot: true, passed: true } })]);
    expect(isMutation(answer)).toBe(true);
    expect(answer.result).toMatchObject({ from: { id: 'n1', name: 'host-n1' }, to: { id: 'n2', name: 'host-n2' }, backupId: 'b1', files: 3, workspace: { state: 'running', node: 'host-n2' } });
    expect(answer.result.message).toBe('The workspace of Acme moved from host-n1 to host-n2 with its 3 files (checked against the backup) and is running there. Its old volume on host-n1 is kept until an operator removes it.');
    expect(answer.audit).toMatchObject({ action: 'workspace.move', target: { type: 'tenant', id: tenant.id }, changes: { node: { from: 'host-n1', to: 'host-n2' }, backup: { from: null, to: 'b1' } }, reason: 'Emptying host-n1' });
  });

  it('puts the workspace back on its old node, its handle unchanged, when the restored files differ from the backup', async () => {
    const { service, tenant, runtime, restores, recorded } = setUp();
    runtime.restoredChecksum = 'd'.repeat(64);
    await expect(service.move(operator, tenant, 'n2', 'Emptying host-n1')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^Nothing was moved: .*differs from the backup's file list.* The workspace of Acme is on host-n1 with its data as it was$/) });
    expect(runtime.calls.slice(-2)).toEqual(['restore snap1 on n2 expecting the backup', 'ensure n1 running']);
    expect(recorded).toEqual([]);
    expect(restores).toEqual([expect.objectContaining({ result: 'failed', drill: expect.objectContaining({ passed: false }) })]);
  });

  it('starts the workspace again where it was when the backup taken first fails, and moves nothing', async () => {
    const { service, tenant, runtime, recorded } = setUp({ backup: { result: 'failed', error: 'The repository could not be opened.', snapshotId: null } });
    await expect(service.move(operator, tenant, 'n2', 'Emptying host-n1')).rejects.toMatchObject({ message: expect.stringContaining('Nothing was moved: the backup taken first failed: The repository could not be opened') });
    expect(runtime.calls).toEqual(['stop', 'backup before_move', 'ensure n1 running']);
    expect(recorded).toEqual([]);
  });

  it('refuses with a sentence and touches nothing: one engine, no S3 repository, the same node, an unknown, cordoned or unsuitable node, no workspace yet', async () => {
    const refusals: [ReturnType<typeof setUp>, string, string | RegExp][] = [
      [setUp({ kind: 'engine', nodes: [engineNode('engine', { role: 'engine' })] }), 'engine', /one container engine here.*CONTAINER_RUNTIME=swarm/],
      [setUp({ repository: { ...S3, location: 'tessera-backups', s3: null } }), 'n2', /BACKUP_REPOSITORY is the volume tessera-backups, which lives on one node/],
      [setUp({ repository: null }), 'n2', /BACKUP_PASSWORD is not set.*BACKUP_REPOSITORY/],
      [setUp(), 'n1', 'The workspace of Acme is on host-n1 already'],
      [setUp(), 'n9', 'That node was not found'],
      [setUp(), '../n2', 'That node was not found'],
      [setUp(), 'n3', 'host-n3 is cordoned (Disk check): a workspace cannot be moved to it'],
      [setUp({ nodes: [engineNode('n1'), engineNode('n2', { state: 'down', message: 'heartbeat failure' })] }), 'n2', 'host-n2 is down (heartbeat failure): a workspace cannot be moved to it'],
      [setUp({ placement: ['node.labels.tier==business'], nodes: [engineNode('n1', { labels: { tier: 'business' } }), engineNode('n2')] }), 'n2', "host-n2 does not meet the plan's placement (node.labels.tier==business)"],
      [setUp({ handle: null }), 'n2', 'Acme has no workspace on a node yet: there is nothing to move'],
      [setUp({ nodes: [engineNode('n1', { availability: 'drained' }), engineNode('n2')] }), 'n2', /^host-n1, which holds the workspace's data, is drained: nothing runs there, not even the backup/],
    ];
    for (const [{ service, tenant, runtime, recorded }, target, message] of refusals) {
      const refused = await service.move(operator, tenant, target, 'why').then(
        () => null,
        (error: unknown) => error as { code: string; message: string },
      );
      expect(refused?.code).toMatch(/^(CONFLICT|NOT_FOUND)$/);
      if (typeof message === 'string') expect(refused?.message).toBe(message);
      else expect(refused?.message).toMatch(message);
      expect(runtime.calls).toEqual([]);
      expect(recorded).toEqual([]);
    }
  });

  it('lists the other nodes for the move form, eligible ones first, each with why not', async () => {
    const { service, tenant } = setUp();
    expect(await service.targets(tenant)).toEqual({
      slug: 'acme',
      tenantName: 'Acme',
      current: { id: 'n1', name: 'host-n1' },
      blocked: null,
      nodes: [
        { id: 'n2', name: 'host-n2', eligible: true, reason: null },
        { id: 'n3', name: 'host-n3', eligible: false, reason: 'host-n3 is cordoned (Disk check): a workspace cannot be moved to it' },
      ],
    });
    const { service: engine, tenant: same } = setUp({ kind: 'engine', repository: null });
    expect((await engine.targets(same)).blocked).toMatch(/one container engine/);
  });
});
