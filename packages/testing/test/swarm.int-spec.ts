import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { execInContainer, importTraefikImage, requestFromContainer, startSwarm, TRAEFIK_IMAGE, waitFor, WORKSPACE_IMAGE, type TestSwarm } from '../src';

/*
 * The Swarm harness, proven on real daemons: three nodes in network
 * namespaces, a hardened service spread over them, overlay networks that
 * carry traffic across nodes and keep other overlays out, a node going down
 * and coming back, and nothing left behind.
 */

const MiB = 1024 * 1024;
/** busybox httpd's answer to a GET of its page. */
const OK = /^HTTP\/1\.[01] 200 OK$/;
const hostForwardChain = (): string => execFileSync('iptables', ['-S', 'FORWARD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

interface Task {
  ID: string;
  NodeID: string;
  DesiredState: string;
  Status: { State: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses: string[] }[];
}

describe('a 3-node Docker Swarm in network namespaces', () => {
  let swarm: TestSwarm;
  let forwardBefore: string;
  const service = 'workspace-a';

  async function tasks(desired = 'running'): Promise<Task[]> {
    return (await swarm.manager.listTasks({ filters: JSON.stringify({ service: [service], 'desired-state': [desired] }) })) as Task[];
  }
  const runningTasks = async (): Promise<Task[]> => (await tasks()).filter((task) => task.Status.State === 'running');
  const nodeIndexOf = (task: Task): number => swarm.nodes.findIndex((node) => node.nodeId === task.NodeID);
  const containerOf = (task: Task): string => {
    const id = task.Status.ContainerStatus?.ContainerID;
    if (!id) throw new Error(`task ${task.ID} has no container`);
    return id;
  };
  const overlayAddress = (task: Task, network: string): string => {
    const address = task.NetworksAttachments?.find((attachment) => attachment.Network.Spec.Name === network)?.Addresses[0]?.split('/')[0];
    if (!address) throw new Error(`task ${task.ID} has no address on ${network}`);
    return address;
  };
  const engineOf = (task: Task): Docker => swarm.nodes[nodeIndexOf(task)]!.docker;

  beforeAll(async () => {
    forwardBefore = hostForwardChain();
    swarm = await startSwarm({ nodes: 3 });
    for (const name of ['tenant-a', 'tenant-b']) {
      await swarm.manager.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, Labels: { 'io.tessera.test': 'swarm-harness' } });
    }
    await swarm.manager.createService({
      Name: service,
      Labels: { 'io.tessera.test': 'swarm-harness' },
      TaskTemplate: {
        ContainerSpec: {
          Image: WORKSPACE_IMAGE,
          Command: ['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/srv'],
          User: '65534:65534',
          ReadOnly: true,
          CapabilityDrop: ['ALL'],
          Mounts: [{ Type: 'tmpfs', Source: '', Target: '/tmp', TmpfsOptions: { SizeBytes: 16 * MiB, Mode: 0o1777 } }],
          StopGracePeriod: 1e9,
        },
        // Limits.Pids is API 1.41 (dockerd 20.10); @types/dockerode lacks it.
        Resources: { Limits: { MemoryBytes: 64 * MiB, NanoCPUs: 250_000_000, Pids: 64 } as never },
        Networks: [{ Target: 'tenant-a' }],
      },
      Mode: { Replicated: { Replicas: 3 } },
      EndpointSpec: { Mode: 'dnsrr' },
    });
    await waitFor('3 running tasks of the service', async () => (await runningTasks()).length === 3);
  }, 150_000);

  afterAll(async () => {
    await swarm?.stop();
  }, 60_000);

  it('has three Ready nodes, node 1 the manager', async () => {
    const nodes = (await swarm.manager.listNodes()) as { ID: string; Status: { State: string; Addr: string }; ManagerStatus?: { Leader?: boolean } }[];
    expect(nodes.map((node) => node.ID).sort()).toEqual(swarm.nodes.map((node) => node.nodeId).sort());
    expect(nodes.every((node) => node.Status.State === 'ready')).toBe(true);
    expect(nodes.find((node) => node.ManagerStatus?.Leader)?.ID).toBe(swarm.nodes[0]!.nodeId);
    expect(nodes.map((node) => node.Status.Addr).sort()).toEqual(swarm.nodes.map((node) => node.address).sort());
  });

  it('spreads a hardened service with 3 replicas over the 3 nodes, each task running as user 65534 with no capabilities, no new privileges, a read-only root and its limits', async () => {
    const running = await runningTasks();
    expect(new Set(running.map((task) => task.NodeID))).toEqual(new Set(swarm.nodes.map((node) => node.nodeId)));
    for (const task of running) {
      const probe = await execInContainer(
        engineOf(task),
        containerOf(task),
        [
          'id -u',
          "grep -E 'CapEff|NoNewPrivs' /proc/1/status | tr -d '\\t'",
          'touch /probe 2>/dev/null && echo root-writable || echo root-read-only',
          'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
          'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
          'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max',
        ].join('; '),
      );
      expect(probe.output.trim().split('\n')).toEqual(['65534', 'CapEff:0000000000000000', 'NoNewPrivs:1', 'root-read-only', String(64 * MiB), '64', '25000']);
    }
  });

  it('carries requests from a task on one node to tasks on the others through their overlay network, and keeps a container on another overlay out', async () => {
    const running = await runningTasks();
    const [from, ...targets] = [1, 0, 2].map((index) => running.find((task) => nodeIndexOf(task) === index)!);
    for (const target of targets) {
      expect(await requestFromContainer(engineOf(from!), containerOf(from!), overlayAddress(target!, 'tenant-a'), 8080)).toMatch(OK);
    }

    // A container of another tenant, on node 2 beside `from`, on its own overlay network.
    const node2 = swarm.nodes[1]!.docker;
    const outsider = await node2.createContainer({
      Image: WORKSPACE_IMAGE,
      Cmd: ['/bin/busybox', 'sleep', '600'],
      HostConfig: { NetworkMode: 'tenant-b', ReadonlyRootfs: true, CapDrop: ['ALL'] },
    });
    await outsider.start();
    for (const target of targets) {
      expect(await requestFromContainer(node2, outsider.id, overlayAddress(target!, 'tenant-a'), 8080)).toBeNull();
    }
    // The same container, once on tenant-a too, gets through: what kept it out was the network.
    await node2.getNetwork('tenant-a').connect({ Container: outsider.id });
    expect(await requestFromContainer(node2, outsider.id, overlayAddress(targets[0]!, 'tenant-a'), 8080)).toMatch(OK);
    await outsider.remove({ force: true });
  }, 60_000);

  it("brings a request from the host to the tenant's tasks through Traefik running as a container on a node, joined to the tenant's overlay", async () => {
    const node = swarm.nodes[0]!;
    await importTraefikImage([node]);
    const config = mkdtempSync(join(tmpdir(), 'tessera-swarm-edge-'));
    chmodSync(config, 0o755); // Traefik runs as user 65534
    try {
      // The service addressed by its name in Swarm DNS: with dnsrr, the tasks' overlay addresses.
      writeFileSync(
        join(config, 'routes.yml'),
        ['http:', '  routers:', '    workspace:', '      rule: PathPrefix(`/`)', '      service: workspace', '  services:', '    workspace:', '      loadBalancer:', '        servers:', `          - url: http://${service}:8080`, ''].join('\n'),
      );
      // A local bridge network of the node carries the published port; the overlay carries the tenant's traffic.
      await node.docker.createNetwork({ Name: 'edge', Driver: 'bridge' });
      const edge = await node.docker.createContainer({
        Image: TRAEFIK_IMAGE,
        Cmd: ['--entryPoints.web.address=:8000', '--providers.file.filename=/config/routes.yml', '--log.level=ERROR', '--global.checkNewVersion=false', '--global.sendAnonymousUsage=false'],
        ExposedPorts: { '8000/tcp': {} },
        HostConfig: {
          NetworkMode: 'edge',
          PortBindings: { '8000/tcp': [{ HostIp: node.address, HostPort: '' }] },
          Binds: [`${config}:/config:ro`],
          ReadonlyRootfs: true,
          CapDrop: ['ALL'],
        },
      });
      await edge.start();
      await node.docker.getNetwork('tenant-a').connect({ Container: edge.id });
      const port = (await edge.inspect()).NetworkSettings.Ports['8000/tcp']?.[0]?.HostPort;

      let page = '';
      await waitFor('the edge to answer with a workspace page', async () => {
        const response = await fetch(`http://${node.address}:${port}/`).catch(() => null);
        page = response?.status === 200 ? await response.text() : '';
        return page !== '';
      }, 30_000);
      expect(page).toContain('Your Tessera workspace is running');
      await edge.remove({ force: true });
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  }, 60_000);

  it('shows a stopped node as down with its task no longer running, and the node ready again once its daemon restarts', async () => {
    const onNode3 = (await runningTasks()).find((task) => nodeIndexOf(task) === 2)!;
    const process = (await swarm.nodes[2]!.docker.getContainer(containerOf(onNode3)).inspect()).State.Pid;
    expect(existsSync(`/proc/${process}`)).toBe(true);

    await swarm.stopNode(2);
    await swarm.waitForNodeState(2, 'down');
    expect(existsSync(`/proc/${process}`)).toBe(false);
    // The manager keeps the last state the node reported ('running') and stops wanting the task.
    await waitFor('the manager to stop wanting the task of the down node running', async () => (await tasks()).every((task) => task.ID !== onNode3.ID));
    const task = ((await swarm.manager.listTasks({ filters: JSON.stringify({ service: [service] }) })) as Task[]).find((entry) => entry.ID === onNode3.ID);
    expect(task?.DesiredState).toBe('shutdown');

    await swarm.startNode(2);
    await swarm.waitForNodeState(2, 'ready');
    const info = (await swarm.nodes[2]!.docker.info()) as { Swarm: { LocalNodeState: string; NodeID: string } };
    expect(info.Swarm).toMatchObject({ LocalNodeState: 'active', NodeID: swarm.nodes[2]!.nodeId });
  }, 120_000);

  it('shows a node whose every process was killed (a power cut) as down, and ready again once its daemon restarts', async () => {
    await swarm.stopNode(1, 'kill');
    await swarm.waitForNodeState(1, 'down');
    expect((await swarm.nodeStatus(1)).state).toBe('down');

    await swarm.startNode(1);
    await swarm.waitForNodeState(1, 'ready');
    expect((await swarm.nodeStatus(1)).state).toBe('ready');
  }, 90_000);

  it("leaves the host's iptables FORWARD chain as it was", () => {
    expect(hostForwardChain()).toBe(forwardBefore);
  });

  it('removes every daemon, namespace, link, cgroup and directory on stop()', async () => {
    const pids = swarm.nodes.map((node) => Number(execFileSync('cat', [join(node.dir, 'docker.pid')], { encoding: 'utf8' })));
    await swarm.stop();
    const prefix = `tsw${swarm.runId}`;
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    expect(readdirSync('/var/run/netns').filter((name) => name.startsWith(prefix))).toEqual([]);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(prefix);
    expect(existsSync(join(tmpdir(), `tessera-docker-${swarm.runId}`))).toBe(false);
    const cgroups = readdirSync('/sys/fs/cgroup').flatMap((controller) => {
      try {
        return readdirSync(join('/sys/fs/cgroup', controller)).filter((name) => name.startsWith(prefix));
      } catch {
        return [];
      }
    });
    expect(cgroups).toEqual([]);
    expect(execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' })).not.toContain(swarm.runId);
  }, 60_000);
});
