import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pingEngine } from './engine';
import { TRAEFIK_VERSION, traefikBinary } from './traefik';

/*
 * Docker Engine daemons from Debian's docker.io (dockerd 20.10), each in a
 * network namespace of its own, for tests that need a real Docker Engine or a
 * real multi-node Swarm on one machine. scripts/lib.sh (ensure_docker)
 * installs the package; the harness needs root, iproute2, nsenter and a
 * kernel with overlayfs (storage driver overlay2).
 *
 * The wiring of one run (its id is 8 hex digits, in every name):
 *
 *   host ── veth tsw<id> (172.29.X.1) ─┐
 *                                      │  netns tsw<id>-sw: bridge br0, with
 *   netns tsw<id>-1: eth0 172.29.X.2 ──┤  bridge-nf-call-iptables=0
 *   netns tsw<id>-2: eth0 172.29.X.3 ──┤
 *   …                                  ┘
 *
 * and in each node's namespace `dockerd --host unix://DIR/docker.sock
 * --data-root … --exec-root … --pidfile … --storage-driver=overlay2
 * --cgroup-parent=/tsw<id>-N`, started with `nsenter --net=` (`ip netns exec`
 * remounts /sys and dockerd then fails: "Devices cgroup isn't mounted").
 *
 * What was found here (2026-11-30, dockerd 20.10.24, this kernel):
 * - Docker's iptables rules (FORWARD policy DROP, DOCKER chains, NAT) stay in
 *   the node's namespace: the host's `iptables -S FORWARD` is unchanged.
 * - The host's namespace has bridge-nf-call-iptables=1, so a bridge there
 *   would send node-to-node traffic through the host's FORWARD chain (and a
 *   FORWARD policy of DROP, as a host dockerd sets, would cut the Swarm
 *   apart). The bridge therefore lives in a namespace of its own.
 * - One engine does NOT need --bridge=none: user-defined bridge networks
 *   work, each isolated from the others (a container on one cannot reach a
 *   container on another: `nc` times out), and a port published on the
 *   node's address (HostIp = `address`, or 0.0.0.0) answers the host at
 *   http://<address>:<port>. A port published on 127.0.0.1 is the node's own
 *   loopback, which the host cannot reach. Container addresses are not
 *   routed from the host: use published ports.
 * - The nodes have no default route, on purpose: nothing a container sends
 *   to an address outside the run leaves the node (the host would otherwise
 *   forward it out of the machine when its ip_forward is on).
 * - dockerd removes its pidfile early in its shutdown and takes a few
 *   seconds more; its containerd and shims after it. Stopping waits for the
 *   process, not the file.
 * - Each daemon starts its own containerd (under its exec root) unless
 *   /run/containerd/containerd.sock exists: then all of them would share
 *   that one. Each node therefore gets containerd namespaces of its own.
 */

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
/** Every name a run creates begins with this and the run's id. */
const PREFIX = 'tsw';
const RUN_DIR_PREFIX = 'tessera-docker-';
const ID_PATTERN = /^[0-9a-f]{8}$/;
/** Node addresses: 172.29.X.0/24, X picked free per run. */
const SUBNET_BASE = [172, 29];

/** The workspace image's name, as scripts/lib.sh and platform-api's default name it. */
export const WORKSPACE_IMAGE = process.env['WORKSPACE_IMAGE'] || 'localhost/tessera-workspace:busybox-1';

async function command(file: string, args: string[]): Promise<string> {
  try {
    return (await run(file, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')}: ${(failure.stderr || failure.message).trim()}`, { cause: error });
  }
}

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Fails, saying what is missing, unless this process can run the harness. */
export async function requireDockerHost(): Promise<void> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const [tool, version, why] of [
    ['dockerd', '--version', "Debian's docker.io"],
    ['ip', '-V', 'iproute2'],
    ['nsenter', '--version', 'util-linux'],
  ] as const) {
    await command(tool, [version]).catch(() => missing.push(`${tool} (${why})`));
  }
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) missing.push('overlayfs in the kernel (storage driver overlay2)');
  if (missing.length > 0) throw new Error(`The Docker test harness needs ${missing.join(', ')}: scripts/test.sh installs them (ensure_docker in scripts/lib.sh)`);
}

// ---------------------------------------------------------------- processes

function processState(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  const state = processState(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/** Pids of the processes in the network namespace mounted at `path`. */
function pidsInNamespace(path: string): number[] {
  let wanted: string;
  try {
    wanted = `net:[${statSync(path).ino}]`;
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) === wanted) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** The cgroup hierarchies: the v1 controllers' mount points, or the v2 root. */
function cgroupRoots(): string[] {
  const base = '/sys/fs/cgroup';
  return [base, ...readdirSync(base).map((entry) => join(base, entry))].filter((root) => statSync(root).isDirectory());
}

/** Every cgroup directly under a hierarchy whose name passes `matches`. */
function cgroupsNamed(matches: (name: string) => boolean): string[] {
  return cgroupRoots().flatMap((root) =>
    readdirSync(root)
      .filter((name) => matches(name) && existsSync(join(root, name, 'cgroup.procs')))
      .map((name) => join(root, name)),
  );
}

function cgroupPids(dir: string): number[] {
  const pids: number[] = [];
  const walk = (path: string): void => {
    try {
      pids.push(...readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
      for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) walk(join(path, entry.name));
    } catch {
      // removed meanwhile
    }
  };
  walk(dir);
  return pids;
}

function removeCgroup(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeCgroup(join(dir, entry.name));
  rmdirSync(dir);
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point): point is string => !!point && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

// ---------------------------------------------------------------- runs

function ownerStamp(): string {
  return `${process.pid} ${processState(process.pid)?.start ?? ''}`;
}

/**
 * A run is live while the process that wrote its owner file runs (same pid,
 * same start time), or while its directory is too young to have one yet.
 */
function runIsLive(id: string): boolean {
  const dir = join(tmpdir(), `${RUN_DIR_PREFIX}${id}`);
  try {
    const [pid, start] = readFileSync(join(dir, 'owner'), 'utf8').trim().split(' ');
    const state = processState(Number(pid));
    return !!state && state.state !== 'Z' && state.start === start;
  } catch {
    try {
      return Date.now() - statSync(dir).mtimeMs < 60_000;
    } catch {
      return false;
    }
  }
}

async function listNamespaces(): Promise<string[]> {
  return existsSync('/var/run/netns') ? readdirSync('/var/run/netns') : [];
}

async function listHostLinks(): Promise<string[]> {
  const out = await command('ip', ['-o', 'link', 'show']);
  return out.split('\n').flatMap((line) => {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    return name ? [name] : [];
  });
}

/**
 * Removes everything of run `id`: the processes in its namespaces and in its
 * cgroups (daemons, containerd, shims, containers), its mounts, namespaces,
 * host link, cgroups and directory. Safe to call on a run that is half gone.
 */
async function removeRun(id: string): Promise<void> {
  const dir = join(tmpdir(), `${RUN_DIR_PREFIX}${id}`);
  const namespaces = (await listNamespaces()).filter((name) => name.startsWith(`${PREFIX}${id}-`));
  const cgroups = cgroupsNamed((name) => name.startsWith(`${PREFIX}${id}-`));
  const victims = (): number[] => [...namespaces.flatMap((ns) => pidsInNamespace(`/var/run/netns/${ns}`)), ...cgroups.flatMap(cgroupPids)].filter(alive);
  for (const pid of victims()) signal(pid, 'SIGKILL');
  await waitFor(`the processes of Docker test run ${id} to end`, () => victims().length === 0, 20_000);
  for (const point of mountsUnder(dir)) await command('umount', [point]).catch(() => command('umount', ['-l', point]));
  for (const ns of namespaces) await command('ip', ['netns', 'delete', ns]).catch(() => undefined);
  // Deleting the switch namespace deletes the host's end of its veth too, a moment later.
  await command('ip', ['link', 'delete', `${PREFIX}${id}`]).catch(() => undefined);
  await waitFor(`the host link ${PREFIX}${id} to go`, async () => !(await listHostLinks()).includes(`${PREFIX}${id}`), 10_000);
  for (const cgroup of cgroups) {
    await waitFor(`cgroup ${cgroup} to be removable`, () => {
      try {
        if (existsSync(cgroup)) removeCgroup(cgroup);
        return true;
      } catch {
        return false;
      }
    }, 10_000);
  }
  // A namespace file a daemon bind-mounted late (Swarm's ingress_sbox) can still be busy: unmount what is left, and try again.
  await waitFor(`the directory of Docker test run ${id} to be removed`, async () => {
    try {
      rmSync(dir, { recursive: true, force: true });
      return true;
    } catch {
      for (const point of mountsUnder(dir)) await command('umount', ['-l', point]).catch(() => undefined);
      return false;
    }
  }, 10_000);
}

/**
 * Removes what earlier runs left behind (a crashed or killed test process):
 * every namespace, host link, cgroup and directory named after a run whose
 * owner process is gone. Runs of live processes are left alone.
 */
export async function cleanupDockerLeftovers(): Promise<string[]> {
  const ids = new Set<string>();
  const idOf = (name: string): string | undefined => (name.startsWith(PREFIX) ? name.slice(PREFIX.length, PREFIX.length + 8) : undefined);
  for (const name of await listNamespaces()) ids.add(idOf(name) ?? '');
  for (const name of await listHostLinks()) ids.add(idOf(name) ?? '');
  for (const name of readdirSync(tmpdir())) if (name.startsWith(RUN_DIR_PREFIX)) ids.add(name.slice(RUN_DIR_PREFIX.length));
  for (const cgroup of cgroupsNamed((name) => name.startsWith(PREFIX))) ids.add(idOf(cgroup.slice(cgroup.lastIndexOf('/') + 1)) ?? '');
  const leftovers = [...ids].filter((id) => ID_PATTERN.test(id) && !runIsLive(id));
  for (const id of leftovers) await removeRun(id);
  return leftovers;
}

/** Picks 172.29.X.0/24 overlapping no address or route of the host. */
async function freeSubnet(): Promise<string> {
  const toNumber = (address: string): number => address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  const used = (await command('ip', ['-4', '-o', 'addr', 'show']))
    .concat(await command('ip', ['-4', 'route', 'show', 'table', 'all']))
    .match(/\b\d+\.\d+\.\d+\.\d+(\/\d+)?\b/g)
    ?.map((cidr) => {
      const [address = '', bits = '32'] = cidr.split('/');
      const size = 2 ** (32 - Number(bits));
      const start = toNumber(address) - (toNumber(address) % size);
      return [start, start + size - 1] as const;
    }) ?? [];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const third = randomInt(1, 255);
    const start = toNumber(`${SUBNET_BASE.join('.')}.${third}.0`);
    if (used.every(([low, high]) => high < start || low > start + 255)) return `${SUBNET_BASE.join('.')}.${third}`;
  }
  throw new Error('no free 172.29.X.0/24 for the Docker test network');
}

// ---------------------------------------------------------------- nodes

/** One Docker daemon of a run, in its own network namespace. */
export interface DockerNode {
  /** node1, node2, … */
  readonly name: string;
  /** The network namespace: /var/run/netns/<namespace>. */
  readonly namespace: string;
  /** The node's address on the run's network; the host and the other nodes reach it. */
  readonly address: string;
  /** The daemon's API: unix://<socket>. */
  readonly socket: string;
  readonly docker: Docker;
  /** The node's directory: data root, exec root, pidfile, dockerd.log. */
  readonly dir: string;
}

export interface DaemonOptions {
  /**
   * Keep Docker's default bridge (docker0). Default false: --bridge=none.
   * User-defined networks work either way; docker0 serves only containers
   * started without a network.
   */
  defaultBridge?: boolean;
  /** dockerd's --log-level; default warn. The log is DIR/dockerd.log. */
  logLevel?: string;
  /**
   * dockerd --no-new-privileges: every container of the node gets it, whatever
   * its own settings. Default false for one engine (an adapter sets it per
   * container); startSwarm defaults to true, since a Swarm service of API 1.41
   * cannot ask for it (Privileges.NoNewPrivileges came with API 1.44).
   */
  noNewPrivileges?: boolean;
  /**
   * dockerd's `default-address-pools` for local networks, e.g.
   * `[{ base: '10.128.0.0/9', size: 24 }]`. Docker's default pools
   * (172.17–172.31.0.0/16, and 192.168.0.0/16 cut in /20s) hold 31 bridge
   * networks, and Tessera makes one per tenant: an engine for more tenants
   * than that needs a larger pool.
   */
  defaultAddressPools?: { base: string; size: number }[];
}

export type StopMode =
  /** SIGTERM to the pid in the pidfile; dockerd stops its containers (each by its stop grace period) and its containerd. */
  | 'graceful'
  /** A power cut: SIGKILL to dockerd, its containerd and shims, and every container of the node. */
  | 'kill';

class DaemonNode implements DockerNode {
  readonly docker: Docker;
  readonly socket: string;
  private readonly pidfile: string;

  constructor(
    readonly name: string,
    readonly namespace: string,
    readonly address: string,
    readonly dir: string,
    private readonly cgroupParent: string,
    private readonly options: DaemonOptions,
  ) {
    this.socket = join(dir, 'docker.sock');
    this.pidfile = join(dir, 'docker.pid');
    this.docker = new Docker({ socketPath: this.socket, timeout: 60_000 });
  }

  /** Starts dockerd (again: same data root, so a Swarm node rejoins) and waits for its API. */
  async start(): Promise<void> {
    for (const sub of ['data', 'exec']) mkdirSync(join(this.dir, sub), { recursive: true });
    const config = join(this.dir, 'daemon.json');
    writeFileSync(config, `${JSON.stringify(this.options.defaultAddressPools ? { 'default-address-pools': this.options.defaultAddressPools } : {})}\n`);
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const child = spawn(
      'nsenter',
      [
        `--net=/var/run/netns/${this.namespace}`,
        'dockerd',
        '--host', `unix://${this.socket}`,
        '--config-file', config,
        '--data-root', join(this.dir, 'data'),
        '--exec-root', join(this.dir, 'exec'),
        '--pidfile', this.pidfile,
        '--storage-driver=overlay2',
        `--cgroup-parent=/${this.cgroupParent}`,
        `--containerd-namespace=${this.cgroupParent}`,
        `--containerd-plugins-namespace=${this.cgroupParent}-plugins`,
        `--log-level=${this.options.logLevel ?? 'warn'}`,
        ...(this.options.defaultBridge ? [] : ['--bridge=none']),
        ...(this.options.noNewPrivileges ? ['--no-new-privileges'] : []),
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
    closeSync(log);
    child.unref();
    try {
      await waitFor(`dockerd of ${this.name} to answer on ${this.socket}`, async () => {
        if (child.exitCode !== null) throw new Error(`dockerd of ${this.name} exited with code ${child.exitCode}`);
        return pingEngine(this.socket);
      }, 60_000);
    } catch (error) {
      const tail = existsSync(join(this.dir, 'dockerd.log')) ? readFileSync(join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`${(error as Error).message}\n${tail}`, { cause: error });
    }
  }

  /** The pid of the running dockerd, from its pidfile; null when none runs. */
  daemonPid(): number | null {
    const pid = readPid(this.pidfile);
    return pid !== null && alive(pid) ? pid : null;
  }

  /** Stops the daemon (see StopMode) and waits until it is gone. */
  async stop(mode: StopMode = 'graceful'): Promise<void> {
    const pid = this.daemonPid();
    if (mode === 'kill') {
      const containerd = readPid(join(this.dir, 'exec', 'containerd', 'containerd.pid'));
      const victims = (): number[] => [
        ...[pid, containerd].filter((p): p is number => p !== null),
        ...pidsInNamespace(`/var/run/netns/${this.namespace}`),
        ...cgroupsNamed((name) => name === this.cgroupParent).flatMap(cgroupPids),
      ].filter(alive);
      for (const victim of victims()) signal(victim, 'SIGKILL');
      await waitFor(`every process of ${this.name} to end`, () => victims().length === 0, 20_000);
      return;
    }
    if (pid === null) return;
    signal(pid, 'SIGTERM');
    try {
      await waitFor(`dockerd of ${this.name} (pid ${pid}) to stop`, () => !alive(pid), 60_000);
    } catch {
      signal(pid, 'SIGKILL');
      await waitFor(`dockerd of ${this.name} (pid ${pid}) to die`, () => !alive(pid), 10_000);
    }
    const containerd = readPid(join(this.dir, 'exec', 'containerd', 'containerd.pid'));
    if (containerd !== null) await waitFor(`containerd of ${this.name} to stop`, () => !alive(containerd), 20_000).catch(() => signal(containerd, 'SIGKILL'));
  }

}

/**
 * A run: its directory, its network (a switch namespace with a bridge, and a
 * veth to the host), and its nodes. Created with an owner file first, so that
 * a later run can tell a leftover of this one from a live one.
 */
export class DockerTestRun {
  readonly nodes: DaemonNode[] = [];
  private stopped = false;

  private constructor(
    readonly id: string,
    readonly dir: string,
    /** The first three octets of the run's /24. */
    readonly subnet: string,
  ) {}

  /** The host's address on the run's network. */
  get hostAddress(): string {
    return `${this.subnet}.1`;
  }

  private get switchNamespace(): string {
    return `${PREFIX}${this.id}-sw`;
  }

  /** Creates the network and `count` node namespaces (daemons not started). */
  static async create(count: number, options: DaemonOptions = {}): Promise<DockerTestRun> {
    await requireDockerHost();
    await cleanupDockerLeftovers();
    const id = randomBytes(4).toString('hex');
    const dir = join(tmpdir(), `${RUN_DIR_PREFIX}${id}`);
    mkdirSync(dir, { recursive: false });
    writeFileSync(join(dir, 'owner'), `${ownerStamp()}\n`);
    const run = new DockerTestRun(id, dir, await freeSubnet());
    try {
      await run.createNetwork();
      for (let index = 1; index <= count; index += 1) await run.addNode(index, options);
    } catch (error) {
      await removeRun(id);
      throw error;
    }
    return run;
  }

  private async createNetwork(): Promise<void> {
    const sw = this.switchNamespace;
    const host = `${PREFIX}${this.id}`;
    await command('ip', ['netns', 'add', sw]);
    for (const table of ['iptables', 'ip6tables', 'arptables']) {
      await command('nsenter', [`--net=/var/run/netns/${sw}`, 'sysctl', '-qw', `net.bridge.bridge-nf-call-${table}=0`]).catch(() => undefined);
    }
    await command('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await command('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    await command('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', sw]);
    await command('ip', ['-n', sw, 'link', 'set', 'uplink', 'master', 'br0', 'up']);
    await command('ip', ['addr', 'add', `${this.hostAddress}/24`, 'dev', host]);
    await command('ip', ['link', 'set', host, 'up']);
  }

  private async addNode(index: number, options: DaemonOptions): Promise<void> {
    const name = `node${index}`;
    const namespace = `${PREFIX}${this.id}-${index}`;
    const address = `${this.subnet}.${index + 1}`;
    await command('ip', ['netns', 'add', namespace]);
    await command('ip', ['-n', this.switchNamespace, 'link', 'add', `port${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
    await command('ip', ['-n', this.switchNamespace, 'link', 'set', `port${index}`, 'master', 'br0', 'up']);
    await command('ip', ['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await command('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
    await command('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    const dir = join(this.dir, name);
    mkdirSync(dir);
    this.nodes.push(new DaemonNode(name, namespace, address, dir, namespace, options));
  }

  /**
   * Removes everything of the run: a power cut (SIGKILL to the daemons, their
   * containerd and shims, and every container), then the mounts, namespaces,
   * link, cgroups and files. Nothing of the run is kept, so nothing needs a
   * graceful stop. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await removeRun(this.id);
  }
}

// ---------------------------------------------------------------- one engine

export interface DockerEngine extends DockerNode {
  /** The run's id (in every name it created). */
  readonly runId: string;
  /** The daemon's pid, from its pidfile; null while it is stopped. */
  daemonPid(): number | null;
  /** Stops the daemon (the engine goes down); start() brings it back with its data. */
  stopDaemon(mode?: StopMode): Promise<void>;
  startDaemon(): Promise<void>;
  /** Stops the daemon and removes the namespace, links, cgroups and files. */
  stop(): Promise<void>;
}

/**
 * One Docker Engine in a network namespace of its own, with the workspace
 * image imported (unless `workspaceImage: false`). Publish ports on
 * `address` (or 0.0.0.0) to reach containers from the host.
 */
export async function startDockerEngine(options: DaemonOptions & { workspaceImage?: boolean } = {}): Promise<DockerEngine> {
  const run = await DockerTestRun.create(1, options);
  const node = run.nodes[0]!;
  try {
    await node.start();
    if (options.workspaceImage !== false) await importWorkspaceImage([node]);
  } catch (error) {
    await run.stop();
    throw error;
  }
  return {
    name: node.name,
    namespace: node.namespace,
    address: node.address,
    socket: node.socket,
    docker: node.docker,
    dir: node.dir,
    runId: run.id,
    daemonPid: () => node.daemonPid(),
    stopDaemon: (mode) => node.stop(mode),
    startDaemon: () => node.start(),
    stop: () => run.stop(),
  };
}

/**
 * Runs `script` with /bin/sh in a running container, through the engine of
 * the container's own node (a Swarm manager's API does not reach containers
 * on other nodes). Answers the exit code and stdout and stderr together.
 */
export async function execInContainer(docker: Docker, containerId: string, script: string): Promise<{ exitCode: number; output: string }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: ['/bin/sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const collected = new PassThrough();
  const chunks: Buffer[] = [];
  collected.on('data', (chunk: Buffer) => chunks.push(chunk));
  docker.modem.demuxStream(stream, collected, collected);
  await new Promise((done, fail) => {
    stream.on('end', done);
    stream.on('error', fail);
  });
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
}

/**
 * An HTTP GET from inside a container with `busybox nc` (busybox-static's
 * wget crashes); answers the status line, or null when nothing answered
 * within `seconds`.
 */
export async function requestFromContainer(docker: Docker, containerId: string, address: string, port: number, seconds = 3): Promise<string | null> {
  const { output } = await execInContainer(docker, containerId, `printf 'GET / HTTP/1.0\\r\\nHost: ${address}\\r\\n\\r\\n' | busybox nc -w ${seconds} ${address} ${port}`);
  const status = /^HTTP\/1\.[01] \d{3}[^\r\n]*/m.exec(output)?.[0];
  return status ?? null;
}

// ---------------------------------------------------------------- images

/** Imports a root filesystem tarball as image `name` on every node (what `docker import --change …` does). */
export async function importImage(nodes: readonly Pick<DockerNode, 'docker' | 'name'>[], tarball: string, name: string, changes: string[] = []): Promise<void> {
  const colon = name.lastIndexOf(':');
  const [repo, tag] = colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
  await Promise.all(
    nodes.map(async (node) => {
      const stream = await node.docker.importImage(createReadStream(tarball), { repo, tag, changes });
      const events = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((done, fail) =>
        node.docker.modem.followProgress(stream, (error: Error | null, output: unknown[]) => (error ? fail(error) : done(output as never))),
      );
      const failed = events.find((event) => event.error);
      if (failed) throw new Error(`importing ${name} on ${node.name}: ${failed.errorDetail?.message ?? failed.error}`);
    }),
  );
}

/** Writes the workspace image's root filesystem (busybox httpd) as a tarball, through scripts/lib.sh. */
export async function workspaceRootfsTarball(output: string): Promise<void> {
  await command('bash', ['-c', 'source "$1/scripts/lib.sh" && workspace_rootfs_tarball "$2"', 'tessera', ROOT, output]);
}

/** The workspace image (WORKSPACE_IMAGE) on every node, as Podman has it: the same tarball, USER 65534:65534. */
export async function importWorkspaceImage(nodes: readonly Pick<DockerNode, 'docker' | 'name'>[], name = WORKSPACE_IMAGE): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rootfs-'));
  try {
    const tarball = join(dir, 'workspace.tar');
    await workspaceRootfsTarball(tarball);
    await importImage(nodes, tarball, name, ['USER 65534:65534']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when the ELF file has no program interpreter (PT_INTERP): it needs no libc of the image's. */
export function isStaticallyLinked(binary: string): boolean {
  const fd = openSync(binary, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) throw new Error(`${binary} is not a 64-bit ELF file`);
    const [offset, size, count] = [Number(header.readBigUInt64LE(0x20)), header.readUInt16LE(0x36), header.readUInt16LE(0x38)];
    const table = Buffer.alloc(size * count);
    readSync(fd, table, 0, table.length, offset);
    for (let entry = 0; entry < count; entry += 1) if (table.readUInt32LE(entry * size) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

/** The Traefik image's name on the nodes. */
export const TRAEFIK_IMAGE = `localhost/tessera-traefik:${TRAEFIK_VERSION}`;

/**
 * A root filesystem holding the Traefik binary, /etc/passwd and a writable
 * /tmp, as a tarball. ensure_traefik (scripts/lib.sh) builds Traefik with
 * CGO_ENABLED=0: static, nothing else needed. A binary built with cgo (an
 * older cache) is linked against glibc: its loader and the libraries `ldd`
 * names go in beside it.
 */
export async function traefikRootfsTarball(output: string, binary = traefikBinary()): Promise<void> {
  const rootfs = mkdtempSync(join(tmpdir(), 'tessera-traefik-rootfs-'));
  try {
    mkdirSync(join(rootfs, 'etc'));
    mkdirSync(join(rootfs, 'tmp'));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    await command('cp', [binary, join(rootfs, 'traefik')]);
    if (!isStaticallyLinked(binary)) {
      const libraries = (await command('ldd', [binary])).match(/\/\S+(?= \(0x)/g) ?? [];
      for (const library of libraries) {
        mkdirSync(join(rootfs, library, '..'), { recursive: true });
        await command('cp', ['-L', library, join(rootfs, library)]);
      }
    }
    writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/traefik\nnobody:x:65534:65534:nobody:/nonexistent:/traefik\n');
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    await command('tar', ['-C', rootfs, '-cf', output, '.']);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/**
 * The Traefik image (TRAEFIK_IMAGE) on the given nodes: entry point
 * /traefik, user 65534 (so it listens on ports above 1024). On a Swarm, the
 * edge runs as such a container, attached to the tenants' overlay networks:
 * processes outside a node's containers cannot reach overlay addresses.
 */
export async function importTraefikImage(nodes: readonly Pick<DockerNode, 'docker' | 'name'>[], name = TRAEFIK_IMAGE, binary = traefikBinary()): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-traefik-'));
  try {
    const tarball = join(dir, 'traefik.tar');
    await traefikRootfsTarball(tarball, binary);
    await importImage(nodes, tarball, name, ['ENTRYPOINT ["/traefik"]', 'USER 65534:65534']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
