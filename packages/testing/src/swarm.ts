import type Docker from 'dockerode';
import { DockerTestRun, importWorkspaceImage, waitFor, type DaemonOptions, type DockerNode, type StopMode } from './docker-engine';

/*
 * A real multi-node Docker Swarm on one machine: one dockerd per network
 * namespace (see docker-engine.ts), `swarm init` on node 1, the others joined
 * as workers, the workspace image imported on every node (no registry here:
 * create services with the image name and no registry auth, which is what
 * `--no-resolve-image` does; each node finds the image locally).
 *
 * This kernel has no IPVS: the routing mesh and virtual-IP endpoints cannot
 * work. Services use EndpointSpec.Mode 'dnsrr' and are reached by their
 * tasks' overlay addresses (`tasks.<service>`, or the service's name, in
 * Swarm DNS), from containers attached to the same overlay network.
 * Processes outside a node's containers (the host included) cannot reach
 * overlay addresses.
 *
 * What was found here (2026-11-30, dockerd 20.10.24, 3 nodes):
 * - Attachable overlays carry traffic between tasks on different nodes and
 *   keep containers of other overlays out (the tests prove both).
 * - The edge: Traefik as a container on a node (importTraefikImage), on a
 *   local bridge network of that node with its port published on the node's
 *   address, and joined to the tenant's overlay, answers the host with the
 *   tenant's page through `http://<service>:<port>` (the test proves it).
 *   A service port published with PublishMode 'host' also binds, on the
 *   node that runs the task only (no mesh): http://<that node>:<port>.
 * - A node whose daemon stops gracefully is marked down at once; after a
 *   power cut (StopMode 'kill'), after a few missed heartbeats (4 to 6 s
 *   with the 2 s heartbeat here). The manager's message is "heartbeat
 *   failure" in both cases.
 * - The task of a down node keeps the last state it reported (Status.State
 *   'running') with DesiredState 'shutdown'; a replacement is created on
 *   another node. Status must come from the node's state as well as the
 *   task's.
 * - Limits.Pids (API 1.41), CapabilityDrop, ReadOnly and User apply as on
 *   one engine. A service of API 1.41 cannot ask for no-new-privileges
 *   (NoNewPrivs reads 0 in its tasks); the daemon's --no-new-privileges
 *   gives it to every container of the node, so the nodes here run with it
 *   (SwarmOptions.noNewPrivileges: false turns it off).
 * - A tmpfs mount gets the mode of the image's directory under it (the
 *   workspace image's /tmp is 0755 root), whatever TmpfsOptions.Mode says;
 *   Podman does the same with --tmpfs.
 */

export interface SwarmNode extends DockerNode {
  /** The node's id in the Swarm. */
  readonly nodeId: string;
  /** Node 1 is the only manager. */
  readonly manager: boolean;
}

export interface NodeStatus {
  /** The manager's view: 'ready', 'down', 'unknown', 'disconnected'. */
  state: string;
  availability: string;
  message?: string;
}

export interface TestSwarm {
  /** The run's id (in every name it created). */
  readonly runId: string;
  /** The manager's API socket (node 1): what a Swarm runtime adapter talks to. */
  readonly managerSocket: string;
  /** dockerode on the manager. */
  readonly manager: Docker;
  readonly nodes: readonly SwarmNode[];
  /** The host's address on the nodes' network: a container on a node reaches a server of the host's there (the S3 server of a backup test). */
  readonly hostAddress: string;
  /** A node's state as the manager sees it. */
  nodeStatus(index: number): Promise<NodeStatus>;
  /** Waits until the manager sees node `index` in `state`. */
  waitForNodeState(index: number, state: 'ready' | 'down', timeoutMs?: number): Promise<void>;
  /** Stops node `index`'s daemon (by the pid in its pidfile, or a power cut: see StopMode). */
  stopNode(index: number, mode?: StopMode): Promise<void>;
  /** Starts node `index`'s daemon again on the same data root; it rejoins the Swarm by itself. Resolves once its API answers. */
  startNode(index: number): Promise<void>;
  /** Ends every process of the run (daemons, containerd, containers) and removes its namespaces, link, cgroups and files. Safe to call twice. */
  stop(): Promise<void>;
}

export interface SwarmOptions extends DaemonOptions {
  /** Default 3. */
  nodes?: number;
  /**
   * The dispatcher's heartbeat period. The manager marks a node down after a
   * few missed heartbeats; Swarm's default is 5 s. Default here: 2 s.
   */
  heartbeatSeconds?: number;
  /** Import the workspace image on every node (default true). */
  workspaceImage?: boolean;
}

/** Starts a Swarm of `nodes` daemons and waits until every node is Ready. */
export async function startSwarm(options: SwarmOptions = {}): Promise<TestSwarm> {
  const count = options.nodes ?? 3;
  if (count < 1) throw new Error('a Swarm needs at least one node');
  const run = await DockerTestRun.create(count, { noNewPrivileges: true, ...options });
  const daemons = run.nodes;
  const first = daemons[0]!;
  let nodes: SwarmNode[];
  try {
    await Promise.all(daemons.map((node) => node.start()));
    await first.docker.swarmInit({
      ListenAddr: `${first.address}:2377`,
      AdvertiseAddr: `${first.address}:2377`,
      Spec: { Dispatcher: { HeartbeatPeriod: (options.heartbeatSeconds ?? 2) * 1e9 } },
    });
    const token = ((await first.docker.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
    await Promise.all(
      daemons.slice(1).map((node) =>
        node.docker.swarmJoin({ ListenAddr: `${node.address}:2377`, AdvertiseAddr: `${node.address}:2377`, RemoteAddrs: [`${first.address}:2377`], JoinToken: token }),
      ),
    );
    nodes = await Promise.all(
      daemons.map(async (node, index) => {
        const info = (await node.docker.info()) as { Swarm?: { NodeID?: string } };
        const nodeId = info.Swarm?.NodeID;
        if (!nodeId) throw new Error(`${node.name} has no Swarm node id after joining`);
        const { name, namespace, address, socket, docker, dir } = node;
        return { name, namespace, address, socket, docker, dir, nodeId, manager: index === 0 };
      }),
    );
    await waitFor('every node of the Swarm to be Ready', async () => {
      const listed = (await first.docker.listNodes()) as { ID: string; Status?: { State?: string } }[];
      return nodes.every((node) => listed.some((entry) => entry.ID === node.nodeId && entry.Status?.State === 'ready'));
    });
    if (options.workspaceImage !== false) await importWorkspaceImage(daemons);
  } catch (error) {
    await run.stop();
    throw error;
  }

  const daemon = (index: number) => {
    const node = daemons[index];
    if (!node) throw new Error(`no node ${index} (the Swarm has ${daemons.length})`);
    return node;
  };
  const nodeStatus = async (index: number): Promise<NodeStatus> => {
    daemon(index);
    const inspected = (await first.docker.getNode(nodes[index]!.nodeId).inspect()) as { Status?: { State?: string; Message?: string }; Spec?: { Availability?: string } };
    return { state: inspected.Status?.State ?? 'unknown', availability: inspected.Spec?.Availability ?? 'unknown', ...(inspected.Status?.Message ? { message: inspected.Status.Message } : {}) };
  };
  return {
    runId: run.id,
    managerSocket: first.socket,
    manager: first.docker,
    nodes,
    hostAddress: run.hostAddress,
    nodeStatus,
    waitForNodeState: (index, state, timeoutMs = 60_000) =>
      waitFor(`${daemon(index).name} to be ${state} in the manager`, async () => (await nodeStatus(index)).state === state, timeoutMs),
    stopNode: (index, mode) => daemon(index).stop(mode),
    startNode: (index) => daemon(index).start(),
    stop: () => run.stop(),
  };
}
