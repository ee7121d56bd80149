import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BACKUP_IMAGE, backupRootfsTarball, execInContainer, importImage, requireDockerHost, startS3, startSwarm, until, type RunningS3, type TestSwarm } from '@tessera/testing';
import type { ClusterNode, ClusterNodes, Page, TenantBackup, WorkspaceMoveOutcome, WorkspaceMoveTargets, WorkspaceStatus } from '@tessera/contracts';
import { WorkspaceSleep } from '../../src/edge/workspace-sleep.service';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';

/**
 * The whole API on a real 2-node Docker Swarm (CONTAINER_RUNTIME=swarm): the
 * operator's nodes (capacity, the workspaces on each), cordon and drain
 * through the routes, what they do to placement and to the workspaces
 * pinned to a node with their data, and idle sleep and wake as a scale to 0
 * and back to 1, and an operator's move of a workspace with its data to the
 * other node, through a real S3-compatible server (gofakes3, on the host).
 * One Swarm and one app for the file; two nodes are enough to tell "placed
 * elsewhere" from "spread" (swarm-runtime.int-spec.ts runs three).
 */
const IDLE_MS = 60_000;

describe('nodes and workspaces on a real 2-node Swarm, through the API', () => {
  const run = randomBytes(3).toString('hex');
  const slug = (name: string) => `${name}-${run}`;
  const bearer: Record<string, string> = {};
  let swarm: TestSwarm;
  let s3: RunningS3;
  let imageDir: string | undefined;
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const nodes = async () => (await call('get', '/nodes', 'operator').expect(200)).body as ClusterNodes;
  const nodeOf = async (name: string): Promise<ClusterNode> => {
    const found = (await nodes()).nodes.find((node) => node.workspaces.some((workspace) => workspace.slug === slug(name)));
    if (!found) throw new Error(`no node holds ${slug(name)}`);
    return found;
  };
  const workspace = async (name: string) => (await call('get', `/tenants/${slug(name)}/workspace`, 'owner').expect(200)).body as WorkspaceStatus;
  const untilWorkspace = (name: string, state: WorkspaceStatus['state']) => until(`${slug(name)} is ${state}`, async () => (await workspace(name)).state === state, { timeoutMs: 90_000 });
  const open = async (name: string) => {
    await call('post', '/tenants', 'owner', { slug: slug(name), name: `Tenant ${name}`, plan: 'starter' }).expect(201);
    const tenant = await provisioned(t, slug(name), bearer['owner']!);
    expect(tenant.provisioning['workspace']).toMatchObject({ state: 'ok' });
  };
  const act = (id: string, action: 'cordon' | 'drain' | 'uncordon', reason: string) => call('post', `/nodes/${id}/${action}`, 'operator', { reason });
  const move = (name: string, node: string, reason: string, as = 'operator') => call('post', `/tenants/${slug(name)}/workspace/move`, as, { node, reason });
  const handleOf = async (name: string) => (await t.app.get(TenantsRepository).findBySlug(slug(name)))?.provisioning['workspace']?.handle;
  const backupsOf = async (name: string) => ((await call('get', `/tenants/${slug(name)}/backups`, 'operator').expect(200)).body as Page<TenantBackup>).items;
  interface EngineTask { NodeID?: string; Status: { State: string; ContainerStatus?: { ContainerID?: string } } }
  const runningTasks = async (name: string) =>
    ((await swarm.manager.listTasks({ filters: JSON.stringify({ service: [`tessera-${slug(name)}-app`], 'desired-state': ['running'] }) })) as EngineTask[]).filter((task) => task.Status.State === 'running');
  /** Runs a shell script in the workspace's running container, on whichever node runs it. */
  const inWorkspace = async (name: string, script: string) => {
    const [task] = await runningTasks(name);
    const node = swarm.nodes.find((candidate) => candidate.nodeId === task?.NodeID);
    if (!task?.Status.ContainerStatus?.ContainerID || !node) throw new Error(`${slug(name)} has no running task`);
    const { exitCode, output } = await execInContainer(node.docker, task.Status.ContainerStatus.ContainerID, script);
    if (exitCode !== 0) throw new Error(`the script in ${slug(name)} exited ${exitCode}: ${output}`);
    return output.trim();
  };
  const FILES = 'cd /data && find . -type f | sort | xargs sha256sum';

  beforeAll(async () => {
    await requireDockerHost();
    swarm = await startSwarm({ nodes: 2 });
    s3 = await startS3();
    // The helper's image on every node (kept as a tarball: a test takes it away from a node and gives it back).
    imageDir = mkdtempSync(join(tmpdir(), 'tessera-backup-image-'));
    await backupRootfsTarball(join(imageDir, 'backup.tar'));
    await importImage(swarm.nodes, join(imageDir, 'backup.tar'), BACKUP_IMAGE);
    t = await startAppWithDevIdp('swarm_nodes', {
      CONTAINER_ENGINE_SOCKET: swarm.managerSocket,
      CONTAINER_RUNTIME: 'swarm',
      WORKSPACE_IDLE_SECONDS: String(IDLE_MS / 1_000),
      WORKSPACE_IDLE_CHECK_SECONDS: '0',
      // A move carries the data through the bucket: the helper on a node reaches the host's S3 server at the host's address on the nodes' network.
      BACKUP_PASSWORD: `swarm-moves-${run}`,
      BACKUP_REPOSITORY: `s3:http://${swarm.hostAddress}:${s3.port}/tessera-backups/${run}`,
      BACKUP_S3_ACCESS_KEY_ID: s3.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      BACKUP_IMAGE,
      BACKUP_CHECK_SECONDS: '0',
    });
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    await t.idp.createPerson('owner');
    bearer['owner'] = await t.idp.accessToken('owner', 'portal');
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await swarm?.stop();
    await s3?.stop();
    if (imageDir) rmSync(imageDir, { recursive: true, force: true });
  }, 90_000);

  it('lists the nodes with their capacity and role; people who are not operators may not', async () => {
    const listed = await nodes();
    expect(listed.runtime).toBe('swarm');
    expect(listed.nodes.map((node) => node.id).sort()).toEqual(swarm.nodes.map((node) => node.nodeId).sort());
    for (const node of listed.nodes) {
      expect(node).toMatchObject({ state: 'ready', availability: 'active', reason: null });
      expect(node.cpus).toBeGreaterThan(0);
      expect(node.memoryBytes).toBeGreaterThan(0);
    }
    expect(listed.nodes.filter((node) => node.role === 'manager').map((node) => node.id)).toEqual([swarm.nodes[0]!.nodeId]);
    await call('get', '/nodes', 'owner').expect(403);
    await call('post', `/nodes/${swarm.nodes[0]!.nodeId}/cordon`, 'owner', { reason: 'not mine to do' }).expect(403);
  });

  it('places no new workspace on a cordoned node, and shows each workspace on its node with what it is promised', async () => {
    const [first, second] = swarm.nodes.map((node) => node.nodeId) as [string, string];
    const cordoned = (await act(first, 'cordon', 'Kernel upgrade tonight').expect(200)).body as ClusterNode;
    expect(cordoned).toMatchObject({ id: first, availability: 'cordoned', reason: 'Kernel upgrade tonight' });
    // Two new workspaces, and one node left taking them: both land there, where they would otherwise spread.
    await open('amber');
    await open('basil');
    expect((await nodeOf('amber')).id).toBe(second);
    const holder = await nodeOf('basil');
    expect(holder.id).toBe(second);
    // The seeded default tenant's workspace may be there too.
    const ours = holder.workspaces.filter((placed) => placed.slug.endsWith(`-${run}`));
    expect(ours.map((placed) => [placed.slug, placed.tenantName])).toEqual([
      [slug('amber'), 'Tenant amber'],
      [slug('basil'), 'Tenant basil'],
    ]);
    expect(ours[0]!.memoryBytes).toBeGreaterThan(0);
    expect(holder.promisedMemoryBytes).toBe(holder.workspaces.reduce((sum, placed) => sum + placed.memoryBytes, 0));

    const audit = (await call('get', '/audit?action=node.cordon', 'operator').expect(200)).body as { items: { target: { id: string }; reason: string; changes: unknown }[] };
    expect(audit.items.find((event) => event.target.id === first)).toMatchObject({ reason: 'Kernel upgrade tonight', changes: { availability: { from: 'active', to: 'cordoned' } } });
  });

  it('keeps restarting a workspace on its node once that node is cordoned too: cordon stops only new placements', async () => {
    const [, second] = swarm.nodes.map((node) => node.nodeId) as [string, string];
    await act(second, 'cordon', 'Last one for the night').expect(200);
    await untilWorkspace('amber', 'running');
    const before = (await workspace('amber')).startedAt;
    await call('post', `/tenants/${slug('amber')}/workspace/restart`, 'owner').expect(200);
    await until('amber runs again after its restart', async () => {
      const now = await workspace('amber');
      return now.state === 'running' && now.startedAt !== before;
    }, { timeoutMs: 90_000 });
    expect((await nodeOf('amber')).id).toBe(second);
  });

  it('drains a node: its workspaces stop and read stopped naming the node and the reason, and start there again with it active', async () => {
    const [first, second] = swarm.nodes.map((node) => node.nodeId) as [string, string];
    await act(first, 'uncordon', 'Upgrade done').expect(200);
    await untilWorkspace('basil', 'running');
    // From cordoned straight to drained.
    const drained = (await act(second, 'drain', 'Hardware fault on the host').expect(200)).body as ClusterNode;
    expect(drained).toMatchObject({ availability: 'drained', reason: 'Hardware fault on the host' });
    for (const name of ['amber', 'basil']) {
      await untilWorkspace(name, 'stopped');
      const status = await workspace(name);
      expect(status.reason).toBe(`Its node ${drained.name} is drained: Hardware fault on the host.`);
      expect(status.node).toBe(drained.name);
      // Pinned to its data: not moved to the active node.
      expect((await nodeOf(name)).id).toBe(second);
    }
    await act(second, 'uncordon', 'Host repaired').expect(200);
    await untilWorkspace('basil', 'running');
    await untilWorkspace('amber', 'running');
    const audit = (await call('get', '/audit?action=node.drain', 'operator').expect(200)).body as { items: { reason: string }[] };
    expect(audit.items.map((event) => event.reason)).toEqual(['Hardware fault on the host']);
  }, 240_000);

  it('refuses bad node actions with a 4xx and changes nothing', async () => {
    const [first] = swarm.nodes.map((node) => node.nodeId) as [string];
    await act(first, 'cordon', '  ').expect(400);
    await call('post', `/nodes/${first}/drain`, 'operator', {}).expect(400);
    await act('nosuchnode0000000000000000', 'cordon', 'A node nobody has').expect(404);
    await act('not a node!', 'cordon', 'A bad id').expect(404);
    await act(first, 'uncordon', 'Already active').expect(409);
    expect((await nodes()).nodes.every((node) => node.availability === 'active')).toBe(true);
  });

  it('puts an idle workspace to sleep by scaling it to 0 (reads stopped, its tenant sleeping) and wakes it back to a running task', async () => {
    t.clock.advance(IDLE_MS + 1_000);
    const asleep = await t.app.get(WorkspaceSleep).idlePass();
    expect(asleep).toEqual(expect.arrayContaining([slug('amber'), slug('basil')]));
    const service = await swarm.manager.getService(`tessera-${slug('amber')}-app`).inspect() as { Spec: { Mode: { Replicated: { Replicas: number } } } };
    expect(service.Spec.Mode.Replicated.Replicas).toBe(0);
    await untilWorkspace('amber', 'stopped');
    expect((await workspace('amber')).reason).toBeUndefined();
    expect((await call('get', `/tenants/${slug('amber')}`, 'owner').expect(200)).body.status).toBe('sleeping');

    const record = await t.app.get(TenantsRepository).findBySlug(slug('amber'));
    await t.app.get(WorkspaceSleep).wake(record!, 'a test');
    // The wake waits for the task: the API cannot reach the overlay, so it asks the manager.
    expect((await workspace('amber')).state).toBe('running');
    expect((await call('get', `/tenants/${slug('amber')}`, 'owner').expect(200)).body.status).toBe('active');
  }, 120_000);

  it('moves a workspace with its data to the other node: backed up, restored there with the same files and checksums, running there; the old node runs none of it and keeps its volume', async () => {
    await untilWorkspace('amber', 'running');
    const from = await nodeOf('amber');
    const to = swarm.nodes.find((node) => node.nodeId !== from.id)!;
    await inWorkspace('amber', 'mkdir -p /data/notes && echo "moves with its workspace" > /data/notes/a.txt && head -c 200000 /dev/urandom > /data/blob.bin');
    const files = await inWorkspace('amber', FILES);
    expect(files.split('\n')).toHaveLength(2);

    const targets = (await call('get', `/tenants/${slug('amber')}/workspace/move`, 'operator').expect(200)).body as WorkspaceMoveTargets;
    expect(targets).toMatchObject({ current: { id: from.id }, blocked: null, nodes: [{ id: to.nodeId, eligible: true, reason: null }] });

    // As an operator empties a node: cordoned first (a drained node runs nothing, not even the backup), then each workspace moved.
    await act(from.id, 'cordon', 'Disk to be replaced').expect(200);
    const moved = (await move('amber', to.nodeId, 'Emptying the node before its disk is replaced').expect(200)).body as WorkspaceMoveOutcome;
    await act(from.id, 'uncordon', 'Disk replaced').expect(200);
    expect(moved).toMatchObject({ from: { id: from.id, name: from.name }, to: { id: to.nodeId }, files: 2, workspace: { state: 'running', node: moved.to.name } });
    expect(moved.message).toContain(`moved from ${from.name} to ${moved.to.name}`);

    // The engine: its one running task is on the new node, its handle names it, and the status says so.
    expect((await runningTasks('amber')).map((task) => task.NodeID)).toEqual([to.nodeId]);
    expect(await handleOf('amber')).toMatch(new RegExp(`@${to.nodeId}$`));
    expect((await nodeOf('amber')).id).toBe(to.nodeId);
    expect(await workspace('amber')).toMatchObject({ state: 'running', node: moved.to.name });
    // The same files, byte for byte, and the workspace (not root) writes there as before.
    expect(await inWorkspace('amber', FILES)).toBe(files);
    expect(await inWorkspace('amber', 'echo after > /data/after.txt && stat -c %u /data/after.txt')).toBe('65534');
    // The old node runs no container of it; its volume is kept as it was (a manager cannot remove it), the new one is the tenant's.
    const old = swarm.nodes.find((node) => node.nodeId === from.id)!;
    const left = (await old.docker.listContainers({ filters: JSON.stringify({ label: [`com.docker.swarm.service.name=tessera-${slug('amber')}-app`] }) })) as unknown[];
    expect(left).toEqual([]);
    await expect(old.docker.getVolume(`tessera-${slug('amber')}-data`).inspect()).resolves.toBeTruthy();
    const created = (await to.docker.getVolume(`tessera-${slug('amber')}-data`).inspect()) as { Labels: Record<string, string> };
    expect(created.Labels['io.tessera.tenant-slug']).toBe(slug('amber'));

    // The backup it travelled in, with the move's restore and its drill, and the move in the audit trail.
    const [backup] = await backupsOf('amber');
    expect(backup).toMatchObject({ id: moved.backupId, trigger: 'before_move', result: 'succeeded', restores: [{ result: 'succeeded', drill: { passed: true, files: 2 } }] });
    const audit = (await call('get', '/audit?action=workspace.move', 'operator').expect(200)).body as { items: { reason: string; changes: Record<string, { from: unknown; to: unknown }> }[] };
    expect(audit.items).toEqual([expect.objectContaining({ reason: 'Emptying the node before its disk is replaced', changes: expect.objectContaining({ node: { from: from.name, to: moved.to.name }, backup: { from: null, to: moved.backupId } }) })]);
  }, 300_000);

  it('refuses bad moves with a 4xx and changes nothing: the same node, an unknown one, a cordoned one, no reason, someone not an operator', async () => {
    await untilWorkspace('amber', 'running');
    const here = (await nodeOf('amber')).id;
    const other = swarm.nodes.find((node) => node.nodeId !== here)!.nodeId;
    const handle = await handleOf('amber');
    const backups = (await backupsOf('amber')).length;

    expect((await move('amber', here, 'Nowhere new').expect(409)).body.message).toMatch(/is on .* already$/);
    await move('amber', 'nosuchnode0000000000000000', 'A node nobody has').expect(404);
    await move('amber', other, '  ').expect(400);
    await move('amber', other, 'Not mine to do', 'owner').expect(403);
    await act(other, 'cordon', 'Memory test').expect(200);
    expect((await move('amber', other, 'Onto a cordoned node').expect(409)).body.message).toMatch(/is cordoned \(Memory test\): a workspace cannot be moved to it$/);
    const targets = (await call('get', `/tenants/${slug('amber')}/workspace/move`, 'operator').expect(200)).body as WorkspaceMoveTargets;
    expect(targets.nodes).toEqual([expect.objectContaining({ id: other, eligible: false })]);
    await act(other, 'uncordon', 'Memory test done').expect(200);

    expect(await handleOf('amber')).toBe(handle);
    expect((await backupsOf('amber')).length).toBe(backups);
    expect((await runningTasks('amber')).map((task) => task.NodeID)).toEqual([here]);
    expect((await call('get', '/audit?action=workspace.move', 'operator').expect(200)).body.items).toHaveLength(1);
  }, 120_000);

  it('puts the workspace back on its node, running with its files and its handle, when the restore on the target fails, and answers that nothing was moved; a later move back restores over the volume it left there', async () => {
    await untilWorkspace('amber', 'running');
    const here = await nodeOf('amber');
    const there = swarm.nodes.find((node) => node.nodeId !== here.id)!;
    const files = await inWorkspace('amber', FILES);
    const handle = await handleOf('amber');
    // The helper's image gone from the target: the restore there cannot start (its task is rejected).
    await there.docker.getImage(BACKUP_IMAGE).remove({ force: true });

    const failed = (await move('amber', there.nodeId, 'A move whose restore fails').expect(503)).body as { message: string };
    expect(failed.message).toMatch(/^Nothing was moved: /);
    expect(failed.message).toContain(`The workspace of Tenant amber is on ${here.name} with its data as it was`);
    await untilWorkspace('amber', 'running');
    expect((await runningTasks('amber')).map((task) => task.NodeID)).toEqual([here.id]);
    expect(await inWorkspace('amber', FILES)).toBe(files);
    expect(await handleOf('amber')).toBe(handle);
    // The backup taken for it stands, with its failed restore; no move in the audit trail.
    const [backup] = await backupsOf('amber');
    expect(backup).toMatchObject({ trigger: 'before_move', result: 'succeeded', restores: [{ result: 'failed' }] });
    expect((await call('get', '/audit?action=workspace.move', 'operator').expect(200)).body.items).toHaveLength(1);

    // The image back: the move to the node it left first replaces what its old volume there held (the files before the first move).
    await importImage([there], join(imageDir!, 'backup.tar'), BACKUP_IMAGE);
    await move('amber', there.nodeId, 'Back to where it was').expect(200);
    expect((await runningTasks('amber')).map((task) => task.NodeID)).toEqual([there.nodeId]);
    expect(await inWorkspace('amber', FILES)).toBe(files);
  }, 300_000);
});
