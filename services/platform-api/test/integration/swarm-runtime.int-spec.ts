import { BACKUP_IMAGE, execInContainer, importBackupImage, requestFromContainer, requireDockerHost, startSwarm, waitFor, WORKSPACE_IMAGE, type TestSwarm } from '@tessera/testing';
import type Docker from 'dockerode';
import { workspaceNames, type WorkspaceEngineEvent, type WorkspaceSpec } from '../../src/integrations/containers/container-runtime.port';
import { updateInSequence } from '../../src/integrations/containers/engine-objects';
import { SwarmContainerRuntime } from '../../src/integrations/containers/swarm.adapter';
import { isIntegrationError } from '../../src/integrations/integration-error';

/*
 * The Swarm runtime on a real 3-node Docker Swarm (packages/testing starts
 * three dockerd in network namespaces): workspaces as hardened services of
 * one replica, placed by plan constraints and spread, pinned to the node
 * holding their data, stopped by scaling to 0, and read truthfully when
 * their node goes down and comes back.
 *
 * The runtime contract that test/e2e/provisioning.e2e-spec.ts and
 * reconcile.e2e-spec.ts prove on Podman and on one Docker Engine, here on the
 * Swarm adapter itself (the API over a Swarm is test/e2e/swarm-nodes.e2e-spec.ts):
 * - provisioning, and hardening read from /proc inside the task: the first test;
 * - isolation, from inside a task, across nodes: "keeps tenant A's task…";
 * - drift (a removed service, wrong limits), healed on the data's node: "reports and heals drift…";
 * - lifecycle (stop, start, restart, with the data): "stops a workspace…", and events;
 * - 20 concurrent ensures: one service;
 * - engine down: the manager stopped ("answers that the manager…"), and a node down;
 * - backups: a helper service on the data's node ("backs up, lists and restores…").
 * Not here, and why: the route file and identity group of the drift test are
 * the API's, not the runtime's, and do not depend on the engine; the
 * container of the same name and its repair is the `displaceForeign` test
 * (a manager cannot list or remove a node's volumes, so the "data volume of
 * another tenant's" refusal cannot be read from the manager and is not
 * claimed); suspend and terminate are stop and status, covered above.
 */

interface Task {
  ID: string;
  NodeID: string;
  DesiredState: string;
  Status: { State: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses: string[] }[];
}

describe('SwarmContainerRuntime on a real 3-node Swarm', () => {
  let swarm: TestSwarm;
  let runtime: SwarmContainerRuntime;
  /** A container on node 1 standing in for the edge: joined to each tenant overlay by the runtime. */
  let edge: Docker.Container;
  const events: WorkspaceEngineEvent[] = [];
  let unwatch: () => void = () => undefined;

  const spec = (slug: string, overrides: Partial<WorkspaceSpec> = {}): WorkspaceSpec => ({
    tenantId: `tenant-${slug}`,
    slug,
    image: WORKSPACE_IMAGE,
    command: ['/bin/busybox', 'sh', '-c', `echo workspace ${slug} started; exec /bin/busybox httpd -f -p 8080 -h /srv`],
    env: { TESSERA_TENANT: slug },
    ports: [8080],
    cpus: 0.25,
    memoryMb: 64,
    pids: 64,
    user: '65534:65534',
    running: true,
    placement: [],
    handle: null,
    ...overrides,
  });
  const ref = (slug: string) => ({ tenantId: `tenant-${slug}`, slug });
  const nodeOf = (handle: string) => handle.split('@')[1];
  const nodeIndex = (nodeId: string | undefined) => swarm.nodes.findIndex((node) => node.nodeId === nodeId);

  async function runningTask(slug: string): Promise<Task | null> {
    const tasks = (await swarm.manager.listTasks({ filters: JSON.stringify({ service: [workspaceNames(slug).container], 'desired-state': ['running'] }) })) as Task[];
    return tasks.find((task) => task.Status.State === 'running') ?? null;
  }
  async function inWorkspace(slug: string, script: string): Promise<string> {
    const task = await runningTask(slug);
    const container = task?.Status.ContainerStatus?.ContainerID;
    if (!task || !container) throw new Error(`${slug} has no running task`);
    return (await execInContainer(swarm.nodes[nodeIndex(task.NodeID)]!.docker, container, script)).output.trim();
  }
  const untilState = (slug: string, state: 'running' | 'stopped') =>
    waitFor(`${slug} to be ${state}`, async () => (await runtime.status(ref(slug))).state === state, 90_000);

  beforeAll(async () => {
    await requireDockerHost();
    swarm = await startSwarm({ nodes: 3 });
    // The nodes run without a default bridge: the edge stands on a local network of its node, as Traefik would.
    await swarm.nodes[0]!.docker.createNetwork({ Name: 'edge-local', Driver: 'bridge' });
    edge = await swarm.nodes[0]!.docker.createContainer({ Image: WORKSPACE_IMAGE, name: 'edge', Cmd: ['/bin/busybox', 'sleep', '3600'], HostConfig: { NetworkMode: 'edge-local' } });
    await edge.start();
    runtime = new SwarmContainerRuntime({ socketPath: swarm.managerSocket, edgeContainer: 'edge', watchPollMs: 250 });
    unwatch = runtime.watch((event) => events.push(event));
  }, 180_000);

  afterAll(async () => {
    unwatch();
    await swarm?.stop();
  }, 90_000);

  it('runs a workspace as a hardened service of one replica on its own overlay, pinned to a node, reached by name from the edge; a second ensure changes nothing', async () => {
    const first = await runtime.ensureWorkspace(spec('alpha'));
    expect(first.drift).toEqual(['network missing', 'service missing']);
    expect(first.endpoints).toEqual({ 8080: 'http://tessera-alpha-app:8080' });
    const [serviceId, nodeId] = first.handle.split('@');
    expect(nodeIndex(nodeId)).toBeGreaterThanOrEqual(0);

    const service = (await swarm.manager.getService(serviceId!).inspect()) as { Spec: { Labels: Record<string, string>; Mode: unknown; EndpointSpec: unknown; TaskTemplate: { Placement: { Constraints: string[] } } } };
    expect(service.Spec.Labels['io.tessera.tenant-id']).toBe('tenant-alpha');
    expect(service.Spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(service.Spec.EndpointSpec).toMatchObject({ Mode: 'dnsrr' });
    expect(service.Spec.TaskTemplate.Placement.Constraints).toEqual([`node.id==${nodeId}`]);

    await untilState('alpha', 'running');
    expect((await runningTask('alpha'))?.NodeID).toBe(nodeId);
    const probe = await inWorkspace('alpha', "id -u; grep -E 'CapEff|NoNewPrivs' /proc/1/status | tr -d '\\t'; touch /probe 2>/dev/null && echo root-writable || echo root-read-only; touch /data/ok && echo data-writable");
    expect(probe.split('\n')).toEqual(['65534', 'CapEff:0000000000000000', 'NoNewPrivs:1', 'root-read-only', 'data-writable']);

    await waitFor('the edge to reach alpha by name', async () => (await requestFromContainer(swarm.nodes[0]!.docker, edge.id, 'tessera-alpha-app', 8080)) !== null);
    expect(await requestFromContainer(swarm.nodes[0]!.docker, edge.id, 'tessera-alpha-app', 8080)).toMatch(/200 OK/);

    const again = await runtime.ensureWorkspace(spec('alpha', { handle: first.handle }));
    expect(again).toEqual({ ...first, drift: [] });
    expect((await swarm.manager.listServices({ filters: JSON.stringify({ name: ['tessera-alpha-app'] }) })).length).toBe(1);
  });

  it("places a workspace by its plan's node labels, and spreads the others over the nodes with the most memory left", async () => {
    const third = swarm.nodes[2]!;
    const node = swarm.manager.getNode(third.nodeId);
    const { Version, Spec } = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await node.update({ version: Version.Index, ...Spec, Labels: { tier: 'business' } });

    const business = await runtime.ensureWorkspace(spec('bravo', { placement: ['node.labels.tier==business'] }));
    expect(nodeOf(business.handle)).toBe(third.nodeId);

    // alpha and bravo hold two nodes: the next two go to the emptiest ones, never all on one.
    const charlie = await runtime.ensureWorkspace(spec('charlie'));
    const delta = await runtime.ensureWorkspace(spec('delta'));
    const used = [nodeOf((await runtime.ensureWorkspace(spec('alpha'))).handle), nodeOf(business.handle), nodeOf(charlie.handle), nodeOf(delta.handle)];
    expect(new Set(used).size).toBe(3);

    await expect(runtime.ensureWorkspace(spec('echo', { placement: ['node.labels.tier==gold'] }))).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('node.labels.tier==gold') });
  });

  it("keeps tenant A's task from reaching tenant B's on another node, which the edge on both overlays reaches", async () => {
    await untilState('bravo', 'running');
    const bravoTask = (await runningTask('bravo'))!;
    // Of the other tenants, one on another node than bravo (the placement test spread them over all three).
    let fromTask: Task | null = null;
    for (const other of ['alpha', 'charlie', 'delta']) {
      await untilState(other, 'running');
      const task = await runningTask(other);
      if (task && task.NodeID !== bravoTask.NodeID) fromTask = task;
    }
    expect(fromTask).not.toBeNull();
    const bravoAddress = bravoTask.NetworksAttachments?.find((attachment) => attachment.Network.Spec.Name === 'tessera-bravo')?.Addresses[0]?.split('/')[0];
    expect(bravoAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // From inside the other tenant's task (busybox nc): neither bravo's overlay address nor its name answers.
    const fromNode = swarm.nodes[nodeIndex(fromTask!.NodeID)]!.docker;
    const fromContainer = fromTask!.Status.ContainerStatus!.ContainerID!;
    expect(await requestFromContainer(fromNode, fromContainer, bravoAddress!, 8080, 2)).toBeNull();
    expect(await requestFromContainer(fromNode, fromContainer, 'tessera-bravo-app', 8080, 2)).toBeNull();
    // The address is right: the edge, joined to bravo's overlay, gets its page there.
    await waitFor('the edge to reach bravo at its overlay address', async () => (await requestFromContainer(swarm.nodes[0]!.docker, edge.id, bravoAddress!, 8080)) !== null);
    expect(await requestFromContainer(swarm.nodes[0]!.docker, edge.id, bravoAddress!, 8080)).toMatch(/200 OK/);
  });

  it('converges 20 ensures of one new tenant at once on one network, one service and one handle', async () => {
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => runtime.ensureWorkspace(spec('golf'))));
    const failed = results.filter((result) => result.status === 'rejected');
    expect(failed).toEqual([]);
    const handles = new Set(results.map((result) => (result as PromiseFulfilledResult<{ handle: string }>).value.handle));
    expect(handles.size).toBe(1);
    expect((await swarm.manager.listServices({ filters: JSON.stringify({ name: ['tessera-golf-app'] }) })).length).toBe(1);
    expect((await swarm.manager.listNetworks({ filters: { name: ['tessera-golf'] } })).filter((network) => network.Name === 'tessera-golf').length).toBe(1);
    const [serviceId, nodeId] = [...handles][0]!.split('@');
    const service = (await swarm.manager.getService(serviceId!).inspect()) as { Spec: { TaskTemplate: { Placement: { Constraints: string[] } } } };
    expect(service.Spec.TaskTemplate.Placement.Constraints).toEqual([`node.id==${nodeId}`]);
  });

  it('stops a workspace by scaling it to 0, starts it again on the same node with its data, and restarts it with a fresh task', async () => {
    await untilState('bravo', 'running');
    await inWorkspace('bravo', 'echo kept > /data/note');
    await runtime.stop(ref('bravo'));
    await untilState('bravo', 'stopped');
    expect((await runtime.workspaceStates()).get('tenant-bravo')).toBe('stopped');

    const started = await runtime.ensureWorkspace(spec('bravo', { placement: ['node.labels.tier==business'] }));
    expect(started.drift).toEqual(['workspace stopped']);
    await untilState('bravo', 'running');
    expect(await inWorkspace('bravo', 'cat /data/note')).toBe('kept');

    const before = (await runningTask('bravo'))!.ID;
    await runtime.restart(ref('bravo'));
    await waitFor('a fresh task of bravo', async () => {
      const task = await runningTask('bravo');
      return task !== null && task.ID !== before;
    }, 90_000);
    expect(await inWorkspace('bravo', 'cat /data/note')).toBe('kept');
  });

  it('reports what the engine did as events: start, stop when scaled to 0, restart', async () => {
    await runtime.stop(ref('charlie'));
    await waitFor('a stop event of charlie', () => events.some((event) => event.slug === 'charlie' && event.action === 'stop'), 90_000);
    await runtime.ensureWorkspace(spec('charlie', { handle: null }));
    await waitFor('a start event of charlie after its stop', () => events.filter((event) => event.slug === 'charlie').at(-1)?.action === 'start', 90_000);
    expect(events.some((event) => event.slug === 'bravo' && event.action === 'restart')).toBe(true);
    expect(events.filter((event) => event.slug === 'charlie' && event.action === 'die')).toEqual([]);
    // The same event seen twice is one: ids are the task's and the action's.
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  it("reads a workspace whose node is down as stopped, naming the node; reconcile neither moves it nor adds a service; it comes back with its data when the node does", async () => {
    // On a worker: the manager's API is what the runtime talks to.
    const onWorker = (handle: string | null = null) => spec('delta', { slug: 'foxtrot', tenantId: 'tenant-foxtrot', placement: ['node.role==worker'], handle });
    const ensured = await runtime.ensureWorkspace(onWorker());
    const index = nodeIndex(nodeOf(ensured.handle));
    expect(index).toBeGreaterThan(0);
    await untilState('foxtrot', 'running');
    await inWorkspace('foxtrot', 'echo survived > /data/note');

    await swarm.stopNode(index, 'kill');
    await swarm.waitForNodeState(index, 'down');
    const status = await runtime.status(ref('foxtrot'));
    expect(status.state).toBe('stopped');
    expect(status.reason).toMatch(/^Its node .+ is down/);
    expect((await runtime.workspaceStates()).get('tenant-foxtrot')).toBe('stopped');
    await waitFor('a die event of foxtrot', () => events.some((event) => event.slug === 'foxtrot' && event.action === 'die'), 30_000);

    const reconciled = await runtime.ensureWorkspace(onWorker(ensured.handle));
    expect(reconciled.handle).toBe(ensured.handle);
    expect(reconciled.drift).toEqual([]);
    expect((await swarm.manager.listServices({ filters: JSON.stringify({ name: ['tessera-foxtrot-app'] }) })).length).toBe(1);

    await swarm.startNode(index);
    await swarm.waitForNodeState(index, 'ready');
    await untilState('foxtrot', 'running');
    expect(await inWorkspace('foxtrot', 'cat /data/note')).toBe('survived');
  }, 240_000);

  it('follows a workspace log from the manager, whichever node its task ran on', async () => {
    const stream = await runtime.logs(ref('alpha'), { tail: 100, follow: false });
    const lines: { text: string }[] = [];
    for await (const line of stream) lines.push(line as { text: string });
    expect(lines.map((line) => line.text)).toContain('workspace alpha started');
  });

  it('reports and heals drift on the node holding the data, keeping it: a removed service, a service running the wrong limits', async () => {
    await untilState('charlie', 'running');
    const { handle } = await runtime.ensureWorkspace(spec('charlie'));
    await inWorkspace('charlie', 'echo kept > /data/drift');

    await swarm.manager.getService(workspaceNames('charlie').container).remove();
    const healed = await runtime.ensureWorkspace(spec('charlie', { handle }));
    expect(healed.drift).toEqual(['service missing']);
    expect(nodeOf(healed.handle)).toBe(nodeOf(handle));
    await untilState('charlie', 'running');
    expect(await inWorkspace('charlie', 'cat /data/drift')).toBe('kept');

    // Out of band: the same service with a quarter of the memory.
    const service = (await swarm.manager.getService(workspaceNames('charlie').container).inspect()) as { ID: string; Version: { Index: number }; Spec: { TaskTemplate: { Resources: { Limits: { MemoryBytes: number } } } } };
    const handleOf = swarm.manager.getService(service.ID);
    await updateInSequence(
      () => handleOf.inspect() as Promise<typeof service>,
      (version, spec) => handleOf.update({ _query: { version }, _body: spec } as never),
      (spec) => {
        spec.TaskTemplate.Resources.Limits.MemoryBytes = 16 * 1024 * 1024;
        return spec;
      },
    );
    const restored = await runtime.ensureWorkspace(spec('charlie', { handle: healed.handle }));
    expect(restored.drift).toEqual(['service runs the wrong limits']);
    expect(restored.handle).toBe(healed.handle);
    const limits = ((await swarm.manager.getService(service.ID).inspect()) as typeof service).Spec.TaskTemplate.Resources.Limits;
    expect(limits.MemoryBytes).toBe(64 * 1024 * 1024);
    expect((await runtime.ensureWorkspace(spec('charlie', { handle: healed.handle }))).drift).toEqual([]);
    await untilState('charlie', 'running');
    expect(await inWorkspace('charlie', 'cat /data/drift')).toBe('kept');
  }, 240_000);

  it('backs up, lists and restores a workspace on the node holding its data with a one-shot helper service, leaving no helper behind', async () => {
    await importBackupImage(swarm.nodes);
    await untilState('charlie', 'running');
    expect(await inWorkspace('charlie', 'cat /data/drift')).toBe('kept');
    const repository = { location: 'tessera-backups', password: 'the Swarm test repository', s3: null, image: BACKUP_IMAGE };

    const backup = await runtime.backupVolume(ref('charlie'), repository, ['test']);
    expect(backup.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(backup.manifest).toMatchObject({ files: 1 });
    const listed = await runtime.volumeManifest(ref('charlie'), BACKUP_IMAGE, 10);
    expect(listed).toMatchObject({ checksum: backup.manifest!.checksum, files: 1 });
    expect(listed.lines).toEqual([expect.stringMatching(/^[0-9a-f]{64} {2}\.\/drift$/)]);

    await inWorkspace('charlie', 'echo changed > /data/drift; echo new > /data/other');
    const restored = await runtime.restoreVolume(ref('charlie'), repository, backup.snapshotId, backup.manifest!.checksum);
    expect(restored.manifest).toEqual(backup.manifest);
    expect(await inWorkspace('charlie', 'cat /data/drift; ls /data')).toBe('kept\ndrift');
    await expect(runtime.restoreVolume(ref('charlie'), repository, backup.snapshotId, '0'.repeat(64))).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('nothing was replaced') });

    expect(await runtime.forgetSnapshots(ref('charlie'), repository, 1)).toEqual([backup.snapshotId]);
    await expect(runtime.backupVolume(ref('nobody'), repository, [])).rejects.toMatchObject({ code: 'not_found' });
    expect(await swarm.manager.listServices({ filters: JSON.stringify({ label: ['io.tessera.role=backup-helper'] }) })).toEqual([]);
  }, 300_000);

  it("refuses another tenant's service of the same name, and displaces it without touching data", async () => {
    const intruder = { tenantId: 'tenant-other', slug: 'alpha' };
    const refused = await runtime.status(intruder).catch((error: unknown) => error);
    expect(isIntegrationError(refused) && refused.code).toBe('conflict');
    await expect(runtime.ensureWorkspace({ ...spec('alpha'), tenantId: 'tenant-other' })).rejects.toMatchObject({ code: 'conflict' });
    expect(await runtime.displaceForeign(intruder)).toContain('service tessera-alpha-app of another tenant (tenant-alpha)');
    expect((await runtime.status(intruder)).state).toBe('missing');
  });

  // Last: the edge container on the manager's node does not outlive its daemon.
  it('answers that the manager is not reachable while it is down, and converges on the same service when it is back', async () => {
    const before = await runtime.ensureWorkspace(spec('delta'));
    await swarm.stopNode(0);
    // Not reachable; or, for a call under way when it went, dropped; or, while it shuts down, an error it answers.
    await expect(runtime.ping()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/not reachable|dropped the call|answered 5\d\d/) });
    await expect(runtime.ensureWorkspace(spec('delta', { handle: before.handle }))).rejects.toMatchObject({ code: 'unavailable' });
    await expect(runtime.status(ref('delta'))).rejects.toMatchObject({ code: 'unavailable' });

    await swarm.startNode(0);
    await waitFor('the manager to answer for its services again', () => runtime.workspaceStates().then(() => true, () => false), 90_000);
    const after = await runtime.ensureWorkspace(spec('delta', { handle: before.handle }));
    expect(after.handle).toBe(before.handle);
    expect(after.drift).toEqual([]);
    expect((await swarm.manager.listServices({ filters: JSON.stringify({ name: ['tessera-delta-app'] }) })).length).toBe(1);
    await untilState('delta', 'running');
  }, 240_000);
});
