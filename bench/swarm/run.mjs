// Workspaces on a real 3-node Docker Swarm and on one Docker Engine, in one
// run, through the built runtime adapters (the code the API runs:
// SwarmContainerRuntime, DockerContainerRuntime), on daemons the test harness
// starts in network namespaces (packages/testing: startSwarm, startDockerEngine).
// For each runtime:
//  1. provisioning time per tenant: ensureWorkspace of a new tenant (network,
//     volume, service or container) until the engine reports it running,
//     one tenant at a time;
//  2. reconcile of converged tenants at 50, 200 and 500: ensureWorkspace of
//     every tenant, 8 at a time (PROVISIONING_CONCURRENCY's default), as the
//     workspace step of a reconcile-all runs it; counts services/containers
//     created, workspaces restarted (a new running task or container start)
//     and drift reported (target: none);
//  3. wake time: a stopped (slept) workspace, ensureWorkspace running, until
//     the engine reports it running (a Swarm: scaled 0 → 1, a new task).
// The database's share of a reconcile is measured by bench/provisioning.
// --smoke (or BENCH_SMOKE=1): a 1-node Swarm only (the engine's adapter is
// in bench/provisioning's and bench/backups' smoke runs), 2 tenants timed, a
// reconcile of 3, one wake; no targets. Most of its time is starting and
// removing the daemon.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import testing from '@tessera/testing/dist/index.js';
import { knob, machineLine, percentile, SMOKE, verdict } from '../shared.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const { SwarmContainerRuntime } = require(resolve(ROOT, 'services/platform-api/dist/integrations/containers/swarm.adapter.js'));
const { DockerContainerRuntime } = require(resolve(ROOT, 'services/platform-api/dist/integrations/containers/docker.adapter.js'));
const { TENANT_LABEL } = require(resolve(ROOT, 'services/platform-api/dist/integrations/containers/container-runtime.port.js'));

const SIZES = SMOKE ? [3] : (process.env.BENCH_SIZES ?? '50,200,500').split(',').map(Number);
const SAMPLE = knob('BENCH_PROVISION_SAMPLE', 20, 2);
const WAKES = knob('BENCH_WAKE_SAMPLE', 10, 1);
const NODES = SMOKE ? 1 : Number(process.env.BENCH_SWARM_NODES ?? 3);
const CONCURRENCY = 8;
/** How the reconcile sets are built (not timed): this many ensures at a time, in steps each waited for until running. */
const BUILD_CONCURRENCY = knob('BENCH_BUILD_CONCURRENCY', 2, 2);
const BUILD_STEP = knob('BENCH_BUILD_STEP', 25, 3);

const spec = (slug, handle = null, running = true) => ({
  tenantId: `tenant-${slug}`,
  slug,
  image: testing.WORKSPACE_IMAGE,
  command: ['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/srv'],
  env: {},
  ports: [8080],
  cpus: 0.05,
  memoryMb: 16,
  pids: 32,
  user: '65534:65534',
  running,
  placement: [],
  handle,
});

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function until(what, check, timeoutMs = 120_000) {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

async function inBatches(items, size, work) {
  const results = [];
  for (let at = 0; at < items.length; at += size) results.push(...(await Promise.all(items.slice(at, at + size).map(work))));
  return results;
}

/**
 * One runtime's measurements. `running()` answers what runs now, by tenant id:
 * the id of its running task or container start, so a restart shows as a change.
 */
async function measure(label, runtime, { workspaces, running }) {
  const handles = new Map();
  const ensure = async (slug) => {
    const ensured = await runtime.ensureWorkspace(spec(slug, handles.get(slug) ?? null));
    handles.set(slug, ensured.handle);
    return ensured;
  };
  const isRunning = async (slug) => (await runtime.status({ tenantId: `tenant-${slug}`, slug }, false)).state === 'running';
  let next = 0;
  const slug = () => `bench-${label}-${next++}`;

  // 1. provisioning, one at a time
  const provision = [];
  for (let i = 0; i < SAMPLE; i += 1) {
    const name = slug();
    const t0 = performance.now();
    await ensure(name);
    await until(`${name} running`, () => isRunning(name));
    provision.push(performance.now() - t0);
  }
  console.error(`${label}: provisioned ${provision.length}, p50 ${seconds(percentile(provision, 50))}`);

  // 2. reconcile of converged tenants at each size
  const rows = [];
  for (const size of SIZES) {
    const batch = [];
    while (handles.size + batch.length < size) batch.push(slug());
    // Not timed, and built gently: BUILD_CONCURRENCY at a time, each BUILD_STEP waited for until running before
    // the next, so that three daemons starting tasks and overlays on two cores do not starve the manager's raft
    // store (it answered DeadlineExceeded when 8 at a time were created unpaced). A call the loaded engine drops is
    // tried again, as the next reconcile would.
    const runningCount = async () => [...(await runtime.workspaceStates()).values()].filter((state) => state === 'running').length;
    for (let at = 0; at < batch.length; at += BUILD_STEP) {
      await inBatches(batch.slice(at, at + BUILD_STEP), BUILD_CONCURRENCY, async (name) => {
        for (let attempt = 1; ; attempt += 1) {
          try {
            return await ensure(name);
          } catch (error) {
            if (attempt >= 3) throw error;
          }
        }
      });
      await until(`${handles.size} workspaces running`, async () => (await runningCount()) >= handles.size, 600_000);
    }
    await until(`${size} workspaces running`, async () => (await runningCount()) >= size, 600_000);
    const before = await running();
    const objectsBefore = await workspaces();
    const t0 = performance.now();
    const results = await inBatches([...handles.keys()], CONCURRENCY, ensure);
    const elapsed = performance.now() - t0;
    const after = await running();
    const created = (await workspaces()) - objectsBefore;
    const restarted = [...before].filter(([tenant, id]) => after.get(tenant) !== id).length;
    console.error(`${label}: reconciled ${handles.size} in ${seconds(elapsed)}`);
    rows.push({ size: handles.size, elapsed, created, restarted, drift: results.flatMap((result) => result.drift).length });
  }

  // 3. wake: stopped (as the idle sleeper leaves it), then started and running
  const wakes = [];
  for (const name of [...handles.keys()].slice(0, WAKES)) {
    await runtime.stop({ tenantId: `tenant-${name}`, slug: name });
    await until(`${name} stopped`, async () => !(await isRunning(name)));
    const t0 = performance.now();
    const ensured = await runtime.ensureWorkspace(spec(name, handles.get(name)));
    await until(`${name} running again`, () => isRunning(name));
    wakes.push(performance.now() - t0);
    if (!ensured.drift.length) throw new Error(`${name} woke without the runtime seeing it stopped`);
  }
  return { label, provision, rows, wakes };
}

function report({ label, provision, rows, wakes }, targets) {
  console.log(`\n### ${label}\n`);
  console.log(`provisioning time per tenant (${provision.length}, one at a time, until running): p50 ${seconds(percentile(provision, 50))}, p95 ${seconds(percentile(provision, 95))}, max ${seconds(Math.max(...provision))}`);
  console.log(`wake time (${wakes.length}, stopped → running): p50 ${seconds(percentile(wakes, 50))}, p95 ${seconds(percentile(wakes, 95))}, max ${seconds(Math.max(...wakes))}\n`);
  console.log('| tenants | reconcile all | per tenant | created | restarted | drift found |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.size} | ${seconds(r.elapsed)} | ${(r.elapsed / r.size).toFixed(1)} ms | ${r.created} | ${r.restarted} | ${r.drift} |`);
  if (targets) {
    const last = rows.at(-1);
    console.log(`\ntargets: p50 < 3 s: ${verdict(percentile(provision, 50) < 3000)}; ${last.size} tenants < 10 s with none created or restarted: ${verdict(last.elapsed < 10_000 && last.created === 0 && last.restarted === 0)}`);
  }
}

const results = [];
/** Removes a run's daemons; a removal the loaded machine takes long over is said, not fatal (the next harness run removes what is left). */
const removed = (what) => what.stop().catch((error) => console.error(`note: ${error.message}`));
console.log(`workspaces on Debian's docker.io: a ${NODES}-node Swarm${SMOKE ? '' : ' and one engine'}, daemons in network namespaces on this machine${SMOKE ? ' (smoke: no targets)' : ''}; ${machineLine()}`);
// One Swarm, measured, then removed; then one engine. Sequential: the two would share two cores.
{
  const swarm = await testing.startSwarm({ nodes: NODES });
  try {
    console.log(`Docker Engine ${(await swarm.manager.version()).Version}`);
    const runtime = new SwarmContainerRuntime({ socketPath: swarm.managerSocket, edgeContainer: null, watchPollMs: 60_000 });
    const listServices = async () => swarm.manager.listServices({ filters: JSON.stringify({ label: [TENANT_LABEL] }) });
    results.push(
      await measure(`swarm-${NODES}`, runtime, {
        workspaces: async () => (await listServices()).length,
        running: async () => {
          const tasks = await swarm.manager.listTasks({ filters: JSON.stringify({ 'desired-state': ['running'] }) });
          const services = new Map((await listServices()).map((service) => [service.ID, service.Spec.Labels[TENANT_LABEL]]));
          return new Map(tasks.filter((task) => task.Status.State === 'running' && services.has(task.ServiceID)).map((task) => [services.get(task.ServiceID), task.ID]));
        },
      }),
    );
    report(results.at(-1), !SMOKE);
  } finally {
    await removed(swarm);
  }
}
if (!SMOKE) {
  const engine = await testing.startDockerEngine({ defaultAddressPools: [{ base: '10.128.0.0/9', size: 24 }] });
  try {
    const runtime = new DockerContainerRuntime({ socketPath: engine.socket, publishPorts: false, edgeContainer: null });
    const list = () => engine.docker.listContainers({ all: true, filters: { label: [TENANT_LABEL] } });
    results.push(
      await measure('engine', runtime, {
        workspaces: async () => (await list()).length,
        running: async () => {
          const containers = (await list()).filter((container) => container.State === 'running');
          const started = await inBatches(containers, 16, async (container) => [container.Labels[TENANT_LABEL], (await engine.docker.getContainer(container.Id).inspect()).State.StartedAt]);
          return new Map(started);
        },
      }),
    );
    report(results.at(-1), !SMOKE);
  } finally {
    await removed(engine);
  }
}

process.exit(0);
