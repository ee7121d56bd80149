import { HOST_NAME_PATTERN, PLANS, SERVICE_NAME_PATTERN, type Audience, type Plan, type WorkspaceService } from '@tessera/contracts';

const AUDIENCE_KINDS: readonly Audience[] = ['portal', 'operator', 'ci'];

/**
 * An issuer Tessera trusts, and the one kind of audience it serves: a token
 * from it is accepted only for that audience's client id. (In Authentik every
 * provider may sign with one shared key, so the signature alone does not tell
 * which application a token was issued for.)
 */
export interface TrustedIssuer {
  issuer: string;
  jwksUrl: string;
  audience: Audience;
}

/**
 * Configuration, parsed and validated once at boot. `loadConfig` checks every
 * variable and throws a ConfigError that lists all problems at once.
 */
export class AppConfig {
  readonly port!: number;
  readonly mongodbUri!: string;
  readonly baseDomain!: string;
  readonly logLevel!: string;
  readonly auth!: {
    issuers: TrustedIssuer[];
    audiences: { portal: string; operator: string; ci: string };
    clockToleranceSeconds: number;
    /** Least time between two JWKS fetches of one issuer (unknown `kid`s). */
    jwksCooldownMs: number;
    jwksTimeoutMs: number;
    /** Group whose members become platform admins when first seen. */
    adminGroup: string;
    /** Groups named `<prefix><slug>:<role>` grant a membership when a user is first seen. */
    tenantGroupPrefix: string;
    /** Groups named `<prefix><slug>:<level>` grant a partner membership when a user is first seen. */
    partnerGroupPrefix: string;
  };
  /** The identity provider's admin API (Authentik, or dev-idp locally). */
  readonly identity!: { url: string; token: string; timeoutMs: number };
  readonly rateLimit!: { mutationsPerMinute: number };
  /**
   * Where custom domains are looked up: DNS servers as `ip` or `ip:port`
   * (none: the system's), and the platform's own hosts, which no tenant may
   * claim (besides the base domain and everything under it).
   */
  readonly dns!: { servers: string[]; timeoutMs: number };
  readonly platformHosts!: string[];
  /**
   * The live event stream: how often each API process looks for new events
   * (while a browser listens), how long one stream lasts before the browser
   * reconnects (and its access is checked again), how long events are kept.
   */
  readonly liveEvents!: { pollMs: number; streamMaxSeconds: number; retentionHours: number };
  /** The largest request body taken; a larger one is answered 413. */
  readonly http!: { bodyLimitBytes: number };
  /**
   * Tenant workspaces: the engine's socket (null: no engine, the step is
   * skipped), image and command, and by plan the services the workspace
   * runs: named ports inside its container, the default (first) one at
   * `<slug>.<base domain>`, each other one at `<name>--<slug>.<base domain>`.
   */
  readonly workspace!: {
    /**
     * What CONTAINER_ENGINE_SOCKET is: one engine (Docker or Podman) or a
     * Docker Swarm manager, whose workspaces are services placed on its nodes.
     */
    runtime: 'engine' | 'swarm';
    engineSocket: string | null;
    /** Swarm placement constraints by plan (`node.labels.tier==business`); empty: any node. An engine of one host ignores them. */
    placement: Record<Plan, string[]>;
    image: string;
    command: string[];
    services: Record<Plan, WorkspaceService[]>;
    publishPorts: boolean;
    /** The engine host's address ports are published on and the edge reaches them at (WORKSPACE_PUBLISH_ADDRESS, default 127.0.0.1). */
    publishAddress: string;
    /** The edge's container (Traefik), joined to every tenant network; null when the edge reaches published ports. */
    edgeContainer: string | null;
    /** Seconds without a request before a workspace is put to sleep, by plan; 0 = never. */
    idleSeconds: Record<Plan, number>;
    /** How often the idle pass runs; 0 = never (tests call it). */
    idleCheckMs: number;
    /** How long a workspace that died may take to run again (a restart) before its people are told it is down. */
    downGraceMs: number;
  };
  /**
   * Traefik's dynamic directory (null: the route step is skipped), forwardAuth
   * address, TLS resolver, suspended page; and the edge's own sessions: where
   * to send someone without one, the key that signs them, how long they last,
   * how often last-activity times are written.
   */
  readonly edge!: {
    /**
     * Where Traefik reads the routes: `file` (a file per tenant in the
     * dynamic directory one Traefik watches) or `http` (the routes in the
     * database, served by every API process at GET /edge/routes to any
     * number of Traefik instances, which send `secret` in X-Tessera-Edge-Secret).
     * With `http`: each Traefik's API, where reconcile checks that a route is
     * live; how long a changed route may take to go live; the host that
     * answers 200 on the tenants' entry point once a Traefik has read the routes.
     */
    routes: { source: 'file' | 'http'; secret: string | null; traefikApiUrls: string[]; liveWaitMs: number; readinessHost: string };
    dynamicDir: string | null;
    /** Traefik's ping address: the health probe asks the edge itself, not only its directory (null: not asked). */
    pingUrl: string | null;
    forwardAuthUrl: string;
    tlsResolver: string | null;
    suspendedPageUrl: string;
    loginUrl: string;
    sessionSecret: string;
    sessionTtlSeconds: number;
    activityFlushMs: number;
  };
  /** stuckAfterMs: how long a step may stay pending before a partner's dashboard raises an alert. */
  readonly provisioning!: { concurrency: number; leaseMs: number; stuckAfterMs: number };
  /** Optional steps: null when not configured. */
  readonly mail!: { url: string; token: string } | null;
  readonly files!: { url: string; token: string } | null;
  /** How long the per-request lookups (actor, tenant, membership) may be served from memory; 0 = off. */
  readonly readCacheTtlMs!: number;
  /** How often a process reads the cache invalidations other processes stored, at most (while it reads from a cache); 0 = one process, none stored. */
  readonly readCacheSyncMs!: number;
  readonly seed!: { defaultTenantSlug: string; demo: boolean };
  /** How long approved support access lasts, and how often expired access is looked for (0 = never; tests sweep). */
  readonly support!: { ttlSeconds: number; expiryCheckMs: number };
  /**
   * Workspace logs: the heartbeat of a followed stream (access is checked
   * again at each), how long one audited session of reading lasts, and how
   * many streams one process serves at once.
   */
  readonly logs!: { heartbeatMs: number; auditSessionMs: number; maxStreams: number };
  /** Usage history: how often workspaces are sampled (0 = never), how long samples are kept, engine calls at once. */
  readonly usage!: { sampleMs: number; retentionDays: number; concurrency: number };
  /**
   * Incidents: how often the pass looks at the probes and the tenants' health
   * (0 = never; tests run it), and how long a probe must fail, or a tenant stay
   * down, before an incident opens.
   */
  readonly incidents!: { checkMs: number; probeThresholdMs: number; tenantThresholdMs: number };
  /** Scheduled platform database backups: where they go, how many are kept, every how long (0: no schedule). */
  readonly platformBackup!: { dir: string; keep: number; intervalMs: number };
  /**
   * Workspace backups: where restic keeps each tenant's repository (a named
   * engine volume, or `s3:` with keys) and the helper image; null, with the
   * reason, when BACKUP_PASSWORD is not set. `checkMs`: how often the
   * schedule pass looks for tenants due a backup (0 = never; tests run it).
   */
  readonly backups!: {
    repository: { location: string; password: string; s3: { accessKeyId: string; secretAccessKey: string } | null; image: string } | null;
    disabledReason: string | null;
    checkMs: number;
  };
  /**
   * Notifications: the SMTP server (null: no email), the address mail comes
   * from, how often the dispatcher looks at the outbox (0 = never by itself,
   * not even when a notice is queued; tests run it), how many
   * attempts a delivery gets and the first wait between two (doubling), and
   * webhooks' timeout and whether they may reach private addresses.
   */
  readonly notifications!: {
    smtpUrl: string | null;
    from: string;
    smtpTimeoutMs: number;
    dispatchMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    webhookTimeoutMs: number;
    allowPrivateWebhookTargets: boolean;
  };

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];

  const text = (name: string, fallback?: string): string => {
    const value = env[name]?.trim() || fallback;
    if (value === undefined) {
      problems.push(`${name} is required`);
      return '';
    }
    return value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, value: string, protocols: string[]): void => {
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')}, got "${value}"`);
      }
    } catch {
      problems.push(`${name} must be a URL, got "${value}"`);
    }
  };
  const flag = (name: string): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return false;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return false;
  };

  const port = integer('PORT', 3000, 1, 65535);
  const mongodbUri = text('MONGODB_URI');
  if (mongodbUri) url('MONGODB_URI', mongodbUri, ['mongodb:', 'mongodb+srv:']);

  const issuers = parseIssuers(env['AUTH_ISSUERS'], problems);
  for (const [index, issuer] of issuers.entries()) {
    url(`AUTH_ISSUERS[${index}].issuer`, issuer.issuer, ['https:', 'http:']);
    url(`AUTH_ISSUERS[${index}].jwksUrl`, issuer.jwksUrl, ['https:', 'http:']);
  }
  const audiences = {
    portal: text('AUTH_AUDIENCE_PORTAL'),
    operator: text('AUTH_AUDIENCE_OPERATOR'),
    ci: text('AUTH_AUDIENCE_CI'),
  };
  const distinct = new Set(Object.values(audiences).filter(Boolean));
  if (distinct.size !== 3 && Object.values(audiences).every(Boolean)) {
    problems.push('AUTH_AUDIENCE_PORTAL, AUTH_AUDIENCE_OPERATOR and AUTH_AUDIENCE_CI must differ');
  }

  const identityUrl = text('IDENTITY_API_URL');
  if (identityUrl) url('IDENTITY_API_URL', identityUrl, ['https:', 'http:']);
  const identityToken = text('IDENTITY_API_TOKEN');

  const optional = (name: string): string | null => env[name]?.trim() || null;
  const forwardAuthUrl = text('EDGE_FORWARD_AUTH_URL', 'http://platform-api:3000/edge/auth');
  url('EDGE_FORWARD_AUTH_URL', forwardAuthUrl, ['http:', 'https:']);
  const suspendedPageUrl = text('EDGE_SUSPENDED_PAGE_URL', 'http://portal:3001/suspended');
  url('EDGE_SUSPENDED_PAGE_URL', suspendedPageUrl, ['http:', 'https:']);
  const loginUrl = text('EDGE_LOGIN_URL', 'http://localhost:3001/edge/start');
  url('EDGE_LOGIN_URL', loginUrl, ['http:', 'https:']);
  const sessionSecret = text('EDGE_SESSION_SECRET');
  if (sessionSecret && sessionSecret.length < 32) problems.push('EDGE_SESSION_SECRET must be at least 32 characters');
  const routeSource = text('EDGE_ROUTES', 'file');
  if (routeSource !== 'file' && routeSource !== 'http') problems.push(`EDGE_ROUTES must be file or http, got "${routeSource}"`);
  const routesSecret = optional('EDGE_ROUTES_SECRET');
  if (routeSource === 'http' && !routesSecret) problems.push('EDGE_ROUTES_SECRET is required with EDGE_ROUTES=http: the secret every Traefik sends to read the routes');
  if (routesSecret && routesSecret.length < 32) problems.push('EDGE_ROUTES_SECRET must be at least 32 characters');
  const traefikApiUrls = (env['TRAEFIK_API_URLS'] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const [index, api] of traefikApiUrls.entries()) url(`TRAEFIK_API_URLS[${index}]`, api, ['http:', 'https:']);
  const readinessHost = text('EDGE_READINESS_HOST', 'edge-ready.tessera.invalid').toLowerCase();
  if (!HOST_NAME_PATTERN.test(readinessHost)) problems.push(`EDGE_READINESS_HOST must be a host name, got "${readinessHost}"`);
  const workspacePort = integer('WORKSPACE_PORT', 8080, 1, 65535);
  const defaultServices = parseServices('WORKSPACE_SERVICES', env['WORKSPACE_SERVICES'], [{ name: 'app', port: workspacePort, default: true }], problems);
  const services = Object.fromEntries(
    PLANS.map((plan) => [plan, parseServices(`WORKSPACE_SERVICES_${plan.toUpperCase()}`, env[`WORKSPACE_SERVICES_${plan.toUpperCase()}`], defaultServices, problems)]),
  ) as Record<Plan, WorkspaceService[]>;
  const defaultIdle = integer('WORKSPACE_IDLE_SECONDS', 1_200, 0, 30 * 24 * 3_600);
  const idleSeconds = Object.fromEntries(
    PLANS.map((plan) => [plan, integer(`WORKSPACE_IDLE_SECONDS_${plan.toUpperCase()}`, defaultIdle, 0, 30 * 24 * 3_600)]),
  ) as Record<Plan, number>;
  const runtime = text('CONTAINER_RUNTIME', 'engine');
  const publishAddress = text('WORKSPACE_PUBLISH_ADDRESS', '127.0.0.1');
  if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(publishAddress) || publishAddress.split('.').some((part) => Number(part) > 255) || publishAddress === '0.0.0.0') {
    problems.push(`WORKSPACE_PUBLISH_ADDRESS must be the IPv4 address the edge reaches published ports at (not 0.0.0.0), got "${publishAddress}"`);
  }
  if (runtime !== 'engine' && runtime !== 'swarm') problems.push(`CONTAINER_RUNTIME must be engine or swarm, got "${runtime}"`);
  const defaultPlacement = parsePlacement('WORKSPACE_PLACEMENT', env['WORKSPACE_PLACEMENT'], [], problems);
  const placement = Object.fromEntries(
    PLANS.map((plan) => [plan, parsePlacement(`WORKSPACE_PLACEMENT_${plan.toUpperCase()}`, env[`WORKSPACE_PLACEMENT_${plan.toUpperCase()}`], defaultPlacement, problems)]),
  ) as Record<Plan, string[]>;
  const pair = (prefix: string): { url: string; token: string } | null => {
    const base = optional(`${prefix}_API_URL`);
    if (!base) return null;
    url(`${prefix}_API_URL`, base, ['http:', 'https:']);
    return { url: base, token: text(`${prefix}_API_TOKEN`) };
  };

  const baseDomain = text('BASE_DOMAIN', 'localhost').toLowerCase();
  if (!HOST_NAME_PATTERN.test(baseDomain)) {
    problems.push(`BASE_DOMAIN must be a domain name, got "${baseDomain}"`);
  }
  // Under the base domain it could be a tenant's or a workspace service's host.
  if (readinessHost === baseDomain || readinessHost.endsWith(`.${baseDomain}`)) problems.push(`EDGE_READINESS_HOST must not be under BASE_DOMAIN (a tenant could have it), got "${readinessHost}"`);
  const logLevel = text('LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  }

  const dnsServers = (env['DNS_RESOLVERS'] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const server of dnsServers) {
    if (!/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d{1,5})?$/i.test(server)) problems.push(`DNS_RESOLVERS must list IP addresses with optional ports, got "${server}"`);
  }
  const hostOf = (value: string): string[] => {
    try {
      return [new URL(value).hostname.toLowerCase()];
    } catch {
      return [];
    }
  };
  const listedHosts = (env['PLATFORM_HOSTS'] ?? '').split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  for (const host of listedHosts) {
    if (!HOST_NAME_PATTERN.test(host)) problems.push(`PLATFORM_HOSTS must list host names, got "${host}"`);
  }
  // Every host the platform itself answers on or talks to: no tenant may route it.
  const platformHosts = [
    ...new Set([
      ...listedHosts,
      readinessHost,
      ...[forwardAuthUrl, suspendedPageUrl, loginUrl, identityUrl, ...issuers.map((issuer) => issuer.issuer)].flatMap(hostOf),
      'localhost',
    ]),
  ];

  const smtpUrl = optional('SMTP_URL');
  if (smtpUrl) url('SMTP_URL', smtpUrl, ['smtp:', 'smtps:']);
  const mailFrom = text('SMTP_FROM', `notifications@${baseDomain}`);
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(mailFrom)) problems.push(`SMTP_FROM must be an email address, got "${mailFrom}"`);

  const config = new AppConfig({
    port,
    mongodbUri,
    baseDomain,
    logLevel,
    auth: {
      issuers,
      audiences,
      clockToleranceSeconds: integer('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
      jwksCooldownMs: integer('AUTH_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
      jwksTimeoutMs: integer('AUTH_JWKS_TIMEOUT_MS', 5_000, 100, 60_000),
      adminGroup: text('AUTH_ADMIN_GROUP', 'platform-admins'),
      tenantGroupPrefix: text('AUTH_TENANT_GROUP_PREFIX', 'tenant:'),
      partnerGroupPrefix: text('AUTH_PARTNER_GROUP_PREFIX', 'partner:'),
    },
    identity: { url: identityUrl, token: identityToken, timeoutMs: integer('IDENTITY_API_TIMEOUT_MS', 5_000, 100, 60_000) },
    workspace: {
      runtime: runtime === 'swarm' ? 'swarm' : 'engine',
      engineSocket: optional('CONTAINER_ENGINE_SOCKET'),
      placement,
      image: text('WORKSPACE_IMAGE', 'localhost/tessera-workspace:busybox-1'),
      command: (env['WORKSPACE_COMMAND']?.trim() || '/bin/busybox httpd -f -p 8080 -h /srv').split(/\s+/),
      services,
      publishPorts: flag('WORKSPACE_PUBLISH_PORTS'),
      publishAddress,
      edgeContainer: optional('WORKSPACE_EDGE_CONTAINER'),
      idleSeconds,
      idleCheckMs: integer('WORKSPACE_IDLE_CHECK_SECONDS', 60, 0, 3_600) * 1_000,
      downGraceMs: integer('WORKSPACE_DOWN_GRACE_SECONDS', 10, 0, 3_600) * 1_000,
    },
    edge: {
      routes: {
        source: routeSource === 'http' ? 'http' : 'file',
        secret: routesSecret,
        traefikApiUrls,
        liveWaitMs: integer('EDGE_ROUTES_LIVE_WAIT_SECONDS', 15, 0, 300) * 1_000,
        readinessHost,
      },
      dynamicDir: optional('TRAEFIK_DYNAMIC_DIR'),
      pingUrl: optional('TRAEFIK_PING_URL'),
      forwardAuthUrl,
      tlsResolver: optional('EDGE_TLS_RESOLVER'),
      suspendedPageUrl,
      loginUrl,
      sessionSecret,
      sessionTtlSeconds: integer('EDGE_SESSION_TTL_SECONDS', 8 * 3_600, 60, 30 * 24 * 3_600),
      activityFlushMs: integer('EDGE_ACTIVITY_FLUSH_SECONDS', 30, 1, 3_600) * 1_000,
    },
    provisioning: {
      concurrency: integer('PROVISIONING_CONCURRENCY', 8, 1, 64),
      leaseMs: integer('PROVISIONING_LEASE_MS', 120_000, 1_000, 3_600_000),
      stuckAfterMs: integer('PROVISIONING_STUCK_AFTER_MINUTES', 15, 1, 10_080) * 60_000,
    },
    mail: pair('MAIL'),
    files: pair('FILES'),
    rateLimit: { mutationsPerMinute: integer('RATE_LIMIT_MUTATIONS_PER_MINUTE', 120, 1, 100_000) },
    dns: { servers: dnsServers, timeoutMs: integer('DNS_TIMEOUT_MS', 3_000, 100, 30_000) },
    platformHosts,
    liveEvents: {
      pollMs: integer('LIVE_EVENTS_POLL_MS', 200, 20, 10_000),
      streamMaxSeconds: integer('LIVE_STREAM_MAX_SECONDS', 300, 5, 86_400),
      retentionHours: integer('LIVE_EVENTS_RETENTION_HOURS', 24, 1, 720),
    },
    http: { bodyLimitBytes: integer('HTTP_BODY_LIMIT_BYTES', 100 * 1_024, 1_024, 10 * 1_024 * 1_024) },
    readCacheTtlMs: integer('READ_CACHE_TTL_MS', 5_000, 0, 60_000),
    readCacheSyncMs: integer('READ_CACHE_SYNC_MS', 1_000, 0, 60_000),
    support: { ttlSeconds: integer('SUPPORT_ACCESS_TTL_SECONDS', 3_600, 5, 7 * 24 * 3_600), expiryCheckMs: integer('SUPPORT_EXPIRY_CHECK_SECONDS', 60, 0, 3_600) * 1_000 },
    logs: {
      heartbeatMs: integer('LOGS_HEARTBEAT_SECONDS', 15, 1, 300) * 1_000,
      auditSessionMs: integer('LOGS_AUDIT_SESSION_MINUTES', 240, 1, 7 * 24 * 60) * 60_000,
      maxStreams: integer('LOGS_MAX_STREAMS', 100, 1, 10_000),
    },
    usage: {
      sampleMs: integer('USAGE_SAMPLE_SECONDS', 60, 0, 3_600) * 1_000,
      retentionDays: integer('USAGE_RETENTION_DAYS', 30, 1, 366),
      concurrency: integer('USAGE_CONCURRENCY', 4, 1, 64),
    },
    incidents: {
      checkMs: integer('INCIDENTS_CHECK_SECONDS', 60, 0, 3_600) * 1_000,
      probeThresholdMs: integer('INCIDENTS_PROBE_THRESHOLD_SECONDS', 180, 0, 86_400) * 1_000,
      tenantThresholdMs: integer('INCIDENTS_TENANT_THRESHOLD_SECONDS', 300, 0, 86_400) * 1_000,
    },
    platformBackup: {
      dir: text('PLATFORM_BACKUP_DIR', '.data/backups/platform'),
      keep: integer('PLATFORM_BACKUP_KEEP', 14, 1, 1_000),
      intervalMs: integer('PLATFORM_BACKUP_INTERVAL_HOURS', 0, 0, 24 * 366) * 3_600_000,
    },
    backups: backupsConfig(env, problems, integer),
    notifications: {
      smtpUrl,
      from: mailFrom,
      smtpTimeoutMs: integer('SMTP_TIMEOUT_MS', 10_000, 100, 120_000),
      dispatchMs: integer('NOTIFICATIONS_DISPATCH_SECONDS', 5, 0, 3_600) * 1_000,
      maxAttempts: integer('NOTIFICATIONS_MAX_ATTEMPTS', 6, 1, 20),
      retryBaseMs: integer('NOTIFICATIONS_RETRY_SECONDS', 30, 1, 86_400) * 1_000,
      webhookTimeoutMs: integer('WEBHOOK_TIMEOUT_MS', 5_000, 100, 60_000),
      allowPrivateWebhookTargets: flag('WEBHOOKS_ALLOW_PRIVATE_TARGETS'),
    },
    seed: {
      defaultTenantSlug: text('SEED_DEFAULT_TENANT', 'default'),
      demo: flag('SEED_DEMO'),
    },
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** BACKUP_*: the restic repositories of workspace backups (docs/deploy.md#workspace-backups). */
function backupsConfig(env: Env, problems: string[], integer: (name: string, fallback: number, min: number, max: number) => number): AppConfig['backups'] {
  const checkMs = integer('BACKUP_CHECK_SECONDS', 300, 0, 86_400) * 1_000;
  const password = env['BACKUP_PASSWORD']?.trim() ?? '';
  const location = env['BACKUP_REPOSITORY']?.trim() || 'tessera-backups';
  const image = env['BACKUP_IMAGE']?.trim() || 'localhost/tessera-backup:restic-0.14-1';
  if (!password) return { repository: null, disabledReason: 'Workspace backups are not configured: BACKUP_PASSWORD is not set', checkMs };
  if (password.length < 12) problems.push('BACKUP_PASSWORD must be at least 12 characters: it encrypts every workspace backup');
  let s3: { accessKeyId: string; secretAccessKey: string } | null = null;
  if (location.startsWith('s3:')) {
    const accessKeyId = env['BACKUP_S3_ACCESS_KEY_ID']?.trim() ?? '';
    const secretAccessKey = env['BACKUP_S3_SECRET_ACCESS_KEY']?.trim() ?? '';
    if (!/^s3:https?:\/\/[^/\s]+\/[^\s]+$/.test(location)) problems.push(`BACKUP_REPOSITORY must be s3:http(s)://host[:port]/bucket[/prefix] for S3, got "${location}"`);
    if (!accessKeyId || !secretAccessKey) problems.push('BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY are required with an s3: BACKUP_REPOSITORY');
    s3 = { accessKeyId, secretAccessKey };
  } else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(location)) {
    problems.push(`BACKUP_REPOSITORY must be the name of an engine volume (letters, digits, _ . -) or s3:http(s)://host/bucket, got "${location}"`);
  }
  return { repository: { location, password, s3, image }, disabledReason: null, checkMs };
}

/** The most services one workspace may declare. */
const MAX_SERVICES = 10;

/**
 * A plan's workspace services, `name:port,name:port` (the first is the
 * default); `fallback` when the variable is not set. Names follow
 * SERVICE_NAME_PATTERN; names and ports are distinct.
 */
/** Swarm placement constraints, comma-separated: `node.labels.tier==business,node.role!=manager`. Unset: the fallback. */
function parsePlacement(variable: string, raw: string | undefined, fallback: string[], problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return fallback;
  const constraints = raw.split(',').map((entry) => entry.trim());
  for (const constraint of constraints) {
    if (!/^node\.(id|hostname|role|platform\.(os|arch)|labels\.[A-Za-z0-9._-]+)\s*(==|!=)\s*[A-Za-z0-9._-]+$/.test(constraint)) {
      problems.push(`${variable} must list Swarm constraints such as node.labels.tier==business, separated by commas, got "${constraint}"`);
    }
  }
  return constraints.map((constraint) => constraint.replace(/\s+/g, ''));
}

function parseServices(variable: string, raw: string | undefined, fallback: WorkspaceService[], problems: string[]): WorkspaceService[] {
  if (!raw?.trim()) return fallback;
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const services: WorkspaceService[] = [];
  const before = problems.length;
  for (const entry of entries) {
    const match = /^([^:\s]+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : NaN;
    if (!match || !SERVICE_NAME_PATTERN.test(match[1]!) || port < 1 || port > 65_535) {
      problems.push(`${variable} must list services as name:port (a name of 3–20 lowercase letters, digits and single hyphens starting with a letter; a port from 1 to 65535), got "${entry}"`);
      continue;
    }
    if (services.some((service) => service.name === match[1])) problems.push(`${variable} names the service "${match[1]}" twice`);
    else if (services.some((service) => service.port === port)) problems.push(`${variable} gives the port ${port} to two services`);
    else services.push({ name: match[1]!, port, default: services.length === 0 });
  }
  if (entries.length === 0) problems.push(`${variable} must list at least one service as name:port`);
  if (entries.length > MAX_SERVICES) problems.push(`${variable} lists ${entries.length} services; a workspace has at most ${MAX_SERVICES}`);
  return problems.length > before || services.length === 0 ? fallback : services;
}

/** AUTH_ISSUERS is a JSON array of `{ "issuer": "...", "jwksUrl": "...", "audience": "portal" | "operator" | "ci" }`. */
function parseIssuers(raw: string | undefined, problems: string[]): TrustedIssuer[] {
  if (!raw?.trim()) {
    problems.push('AUTH_ISSUERS is required: a JSON array of {"issuer","jwksUrl","audience"}');
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('AUTH_ISSUERS must be JSON: an array of {"issuer","jwksUrl","audience"}');
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push('AUTH_ISSUERS must be a non-empty JSON array of {"issuer","jwksUrl","audience"}');
    return [];
  }
  const issuers: TrustedIssuer[] = [];
  for (const [index, entry] of parsed.entries()) {
    const candidate = entry as Partial<Record<'issuer' | 'jwksUrl' | 'audience', unknown>> | null;
    if (typeof candidate?.issuer !== 'string' || typeof candidate.jwksUrl !== 'string') {
      problems.push(`AUTH_ISSUERS[${index}] needs string "issuer" and "jwksUrl"`);
      continue;
    }
    if (!AUDIENCE_KINDS.includes(candidate.audience as Audience)) {
      problems.push(`AUTH_ISSUERS[${index}].audience must be one of ${AUDIENCE_KINDS.join(', ')}: the one audience this issuer's tokens are accepted for`);
      continue;
    }
    if (issuers.some((known) => known.issuer === candidate.issuer)) {
      problems.push(`AUTH_ISSUERS[${index}] repeats the issuer ${candidate.issuer}: an issuer serves one audience`);
      continue;
    }
    issuers.push({ issuer: candidate.issuer, jwksUrl: candidate.jwksUrl, audience: candidate.audience as Audience });
  }
  return issuers;
}
