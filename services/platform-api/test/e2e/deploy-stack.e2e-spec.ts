import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PLANS } from '@tessera/contracts';

/**
 * docker-compose.yml, read by the Compose Specification's own loader and
 * schema (tools/compose-check, what `docker compose config` runs) with
 * .env.example as its .env; then what production needs of it.
 */
const ROOT = resolve(__dirname, '../../../..');
const CHECK = process.env['COMPOSE_CHECK_BIN'] || join(ROOT, '.tools/compose-check-v2.9.1/compose-check');

interface Service {
  image?: string;
  command?: string[];
  restart?: string;
  healthcheck?: { test?: string[] };
  deploy?: { resources?: { limits?: { cpus?: number; memory?: number } } };
  volumes?: { type: string; source?: string; target: string }[];
  environment?: Record<string, string>;
}

function load(envFile: string): { status: number; project?: { services: Record<string, Service>; volumes?: Record<string, unknown> }; error: string } {
  if (!existsSync(CHECK)) throw new Error(`No compose check at ${CHECK}: scripts/test.sh builds it (ensure_compose_check)`);
  const result = spawnSync(CHECK, [join(ROOT, 'docker-compose.yml'), envFile], { encoding: 'utf8' });
  return { status: result.status ?? -1, error: result.stderr, ...(result.status === 0 ? { project: JSON.parse(result.stdout) } : {}) };
}

describe('the production stack (docker-compose.yml)', () => {
  const envExample = join(ROOT, '.env.example');
  const { project } = load(envExample);
  const services = project?.services ?? {};

  it('is valid Compose with .env.example, and names every service the stack needs', () => {
    expect(load(envExample).status).toBe(0);
    expect(Object.keys(services).sort()).toEqual(
      ['authentik-postgresql', 'authentik-redis', 'authentik-server', 'authentik-worker', 'mongodb', 'operator', 'platform-api', 'portal', 'traefik'].sort(),
    );
  });

  it('gives every service a health check, a restart policy and CPU and memory limits', () => {
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.healthcheck?.test?.length ?? 0]).not.toEqual([name, 0]);
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      expect([name, service.deploy?.resources?.limits?.cpus, Boolean(service.deploy?.resources?.limits?.memory)]).toEqual([name, expect.any(Number), true]);
    }
  });

  it("gives the engine's socket to platform-api alone", () => {
    const withSocket = Object.entries(services).filter(([, s]) => (s.volumes ?? []).some((v) => v.source === '/var/run/docker.sock'));
    expect(withSocket.map(([name]) => name)).toEqual(['platform-api']);
  });

  it("has Traefik watch the directory platform-api writes, dashboard off, TLS from the configured resolver, MongoDB with authentication", () => {
    const traefik = services['traefik']!;
    const api = services['platform-api']!;
    const dynamicMount = (s: Service) => (s.volumes ?? []).find((v) => v.source === 'traefik-dynamic')?.target;
    expect(traefik.command).toEqual(expect.arrayContaining([`--providers.file.directory=${dynamicMount(traefik)}`, '--providers.file.watch=true', '--api.dashboard=false']));
    expect(dynamicMount(api)).toBe(api.environment?.['TRAEFIK_DYNAMIC_DIR']);
    expect(traefik.command).toEqual(expect.arrayContaining([`--entryPoints.websecure.http.tls.certResolver=${api.environment?.['EDGE_TLS_RESOLVER']}`]));
    expect(api.environment?.['WORKSPACE_EDGE_CONTAINER']).toBe('tessera-traefik');
    expect(services['mongodb']!.command).toContain('--auth');
    expect(api.environment?.['MONGODB_URI']).toMatch(/^mongodb:\/\/[^:]+:[^@]+@mongodb:27017\/tessera\?authSource=admin$/);
  });

  it('keeps the platform database backups in a volume mounted where platform-api writes them, on a schedule', () => {
    const api = services['platform-api']!;
    const dir = api.environment?.['PLATFORM_BACKUP_DIR'];
    expect(dir).toMatch(/^\//);
    const mount = (api.volumes ?? []).find((v) => v.target === dir);
    expect(mount).toMatchObject({ type: 'volume', source: 'platform-backups' });
    expect(Object.keys(project?.volumes ?? {})).toContain('platform-backups');
    expect(Number(api.environment?.['PLATFORM_BACKUP_INTERVAL_HOURS'])).toBeGreaterThan(0);
    expect(Number(api.environment?.['PLATFORM_BACKUP_KEEP'])).toBeGreaterThan(0);
  });

  it('refuses to start without a secret it needs, naming it', () => {
    const withoutSecret = join(tmpdir(), `tessera-env-${process.pid}`);
    writeFileSync(withoutSecret, readFileSync(envExample, 'utf8').replace(/^EDGE_SESSION_SECRET=.*$/m, 'EDGE_SESSION_SECRET='));
    const refused = load(withoutSecret);
    expect(refused.status).not.toBe(0);
    expect(refused.error).toContain('EDGE_SESSION_SECRET');
  });

  it('documents in .env.example every variable the compose file and platform-api read', () => {
    const documented = new Set([...readFileSync(envExample, 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const fromCompose = [...compose.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    const config = readFileSync(join(ROOT, 'services/platform-api/src/config/app-config.ts'), 'utf8');
    const fromApi = [
      ...[...config.matchAll(/(?:text|integer|flag|optional)\('([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!),
      ...[...config.matchAll(/pair\('([A-Z]+)'\)/g)].flatMap((m) => [`${m[1]}_API_URL`, `${m[1]}_API_TOKEN`]),
      ...PLANS.map((plan) => `WORKSPACE_IDLE_SECONDS_${plan.toUpperCase()}`),
      'WORKSPACE_SERVICES',
      ...PLANS.map((plan) => `WORKSPACE_SERVICES_${plan.toUpperCase()}`),
    ];
    expect(fromApi.length).toBeGreaterThan(40);
    expect([...new Set([...fromCompose, ...fromApi])].filter((name) => !documented.has(name))).toEqual([]);
  });
});

// Keep the binary's own usage honest: no arguments is a usage error, not a pass.
test('the compose check refuses to run without its arguments', () => {
  expect(() => execFileSync(CHECK, [], { stdio: 'pipe' })).toThrow();
});
