import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupDockerLeftovers, pingEngine, requestFromContainer, startDockerEngine, until, WORKSPACE_IMAGE, type DockerEngine } from '../src';

/*
 * One Docker Engine in a network namespace, as the runtime contract tests
 * will use it: tenant bridge networks, ports published on the engine's
 * address, the engine going down and coming back, and leftovers of a run
 * whose process died removed by the next one.
 */

/**
 * The host's FORWARD chain, without Podman's own rules (netavark's), which
 * Podman adds and removes as its networks come and go, whoever runs it: the
 * harness must leave the rest exactly as it was.
 */
const hostForwardChain = (): string =>
  execFileSync('iptables', ['-S', 'FORWARD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter((rule) => !/NETAVARK/i.test(rule))
    .join('\n');
const OK = /^HTTP\/1\.[01] 200 OK$/;
const httpd = ['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/srv'];

describe('one Docker Engine in a network namespace', () => {
  let engine: DockerEngine;
  let forwardBefore: string;

  beforeAll(async () => {
    forwardBefore = hostForwardChain();
    engine = await startDockerEngine();
    // Tenant networks as platform-api creates them (the isolate option is Podman's; Docker accepts it).
    for (const name of ['tenant-a', 'tenant-b']) await engine.docker.createNetwork({ Name: name, Driver: 'bridge', Options: { isolate: 'true' } });
  }, 60_000);

  afterAll(async () => {
    await engine?.stop();
  }, 60_000);

  async function workspace(network: string, publish = false): Promise<string> {
    const container = await engine.docker.createContainer({
      Image: WORKSPACE_IMAGE,
      Cmd: httpd,
      // httpd as PID 1 ignores SIGTERM: stop at once rather than after Docker's 10 s.
      StopTimeout: 1,
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: {
        NetworkMode: network,
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        ...(publish ? { PortBindings: { '8080/tcp': [{ HostIp: engine.address, HostPort: '' }] } } : {}),
      },
    });
    await container.start();
    // A started container's httpd may not listen yet (a loaded machine): a request then would be refused.
    await until('the workspace listens on 8080', async () => (await requestFromContainer(engine.docker, container.id, '127.0.0.1', 8080, 1)) !== null);
    return container.id;
  }
  const addressOn = async (id: string, network: string): Promise<string> => (await engine.docker.getContainer(id).inspect()).NetworkSettings.Networks[network]!.IPAddress;

  it("answers the host on a port published on the engine's address", async () => {
    const id = await workspace('tenant-a', true);
    const port = (await engine.docker.getContainer(id).inspect()).NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
    const response = await fetch(`http://${engine.address}:${port}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Your Tessera workspace is running');
  });

  it('lets a container reach another on its own tenant network and keeps one on another tenant network out', async () => {
    const target = await workspace('tenant-a');
    const [neighbour, outsider] = [await workspace('tenant-a'), await workspace('tenant-b')];
    const address = await addressOn(target, 'tenant-a');
    expect(await requestFromContainer(engine.docker, neighbour, address, 8080)).toMatch(OK);
    expect(await requestFromContainer(engine.docker, outsider, address, 8080, 2)).toBeNull();
  }, 30_000);

  it('goes down when its daemon stops and comes back with its images and containers', async () => {
    const id = await workspace('tenant-a');
    await engine.stopDaemon();
    expect(await pingEngine(engine.socket)).toBe(false);
    expect(engine.daemonPid()).toBeNull();

    await engine.startDaemon();
    expect(await pingEngine(engine.socket)).toBe(true);
    expect((await engine.docker.listImages()).flatMap((image) => image.RepoTags ?? [])).toContain(WORKSPACE_IMAGE);
    expect((await engine.docker.getContainer(id).inspect()).Id).toBe(id);
  }, 90_000);

  it("leaves the host's iptables FORWARD chain as it was", () => {
    expect(hostForwardChain()).toBe(forwardBefore);
  });

  it('removes the daemon, namespaces, link and files of a run whose process died', async () => {
    const orphan = await startDockerEngine({ workspaceImage: false });
    const pid = orphan.daemonPid();
    // The run's owner file names a process that has exited, as after a crash of the test process.
    const gone = spawnSync('true').pid;
    writeFileSync(join(tmpdir(), `tessera-docker-${orphan.runId}`, 'owner'), `${gone} 0\n`);

    expect(await cleanupDockerLeftovers()).toContain(orphan.runId);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(readdirSync('/var/run/netns').filter((name) => name.includes(orphan.runId))).toEqual([]);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(orphan.runId);
    expect(existsSync(join(tmpdir(), `tessera-docker-${orphan.runId}`))).toBe(false);
    // This file's own engine is a live run: left alone.
    expect(await pingEngine(engine.socket)).toBe(true);
  }, 60_000);
});
