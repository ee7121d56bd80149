import type { TenantRole } from './access';

/** `sleeping`: active, but its workspace was stopped after idling; the next request wakes it. */
export const TENANT_STATUSES = ['pending', 'active', 'sleeping', 'suspended', 'terminated'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/**
 * Where a tenant is in its life, as lists split it: `live` is every status
 * but terminated; `ended` is terminated (rejected sign-ups included), kept
 * and readable, listed apart.
 */
export const TENANT_LIFECYCLES = ['live', 'ended'] as const;
export type TenantLifecycle = (typeof TENANT_LIFECYCLES)[number];

export const PLANS = ['free', 'starter', 'business', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

/** A lower-case DNS host name (labels of letters, digits and inner hyphens; 253 characters at most). */
export const HOST_NAME_PATTERN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Slug rules, shared by the API and the apps' live check: 3–32 lowercase
 * letters, digits and single hyphens, not at either end. Never two hyphens in
 * a row: `--` separates a service from its tenant in a workspace's host
 * (`docs--acme.<base domain>`), so the name is never ambiguous.
 */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,30}[a-z0-9]$/;
/** The slug rule in words, for forms and error messages. */
export const SLUG_RULE = '3–32 lowercase letters, digits and hyphens, not starting or ending with a hyphen, never two in a row';

/**
 * A workspace service's name: 3–20 lowercase letters, digits and single
 * hyphens, starting with a letter, not ending with a hyphen. It is the first
 * part of the service's host, `<service>--<slug>.<base domain>`. Not two
 * characters: `ui--acme` has hyphens in its third and fourth places, which
 * DNS reserves for encodings like `xn--`, and certificate authorities refuse.
 */
export const SERVICE_NAME_PATTERN = /^[a-z](?:[a-z0-9]|-(?!-)){1,18}[a-z0-9]$/;
/** Between a service's name and its tenant's slug in the service's host. */
export const SERVICE_HOST_SEPARATOR = '--';
export const RESERVED_SLUGS: readonly string[] = [
  'admin', 'api', 'app', 'assets', 'auth', 'billing', 'cdn', 'dashboard', 'dev', 'docs',
  'help', 'internal', 'login', 'logout', 'mail', 'metrics', 'mx', 'ns1', 'ns2', 'oauth',
  'operator', 'portal', 'root', 'smtp', 'sso', 'staging', 'static', 'status', 'support',
  'system', 'tessera', 'traefik', 'www',
];

export const PROVISIONING_STEPS = ['identity', 'workspace', 'route', 'mail', 'files'] as const;
export type ProvisioningStepName = (typeof PROVISIONING_STEPS)[number];
export type ProvisioningState = 'pending' | 'ok' | 'skipped' | 'error';
export interface ProvisioningStep {
  state: ProvisioningState;
  handle?: string;
  error?: string;
  attempts: number;
  updatedAt: string;
}

/** A sign-up waiting for an operator (when the platform asks for approval), and how it ended. */
export const TENANT_APPROVALS = ['pending', 'approved', 'rejected'] as const;
export type TenantApproval = (typeof TENANT_APPROVALS)[number];

/** Platform-wide settings, changed by operators. */
export interface PlatformSettings {
  /** New workspaces signed up for in the portal wait for an operator's approval before they are provisioned. */
  signupApproval: boolean;
  updatedAt: string | null;
}

/** `stopped`: an owner stopped the workspace; nothing is wrong, and nothing answers until it is started. */
export const TENANT_HEALTH = ['healthy', 'degraded', 'stopped', 'down', 'suspended'] as const;
export type TenantHealthStatus = (typeof TENANT_HEALTH)[number];

/** How a tenant is doing, from its provisioning, workspace and subscription; reasons say why. */
export interface TenantHealth {
  status: TenantHealthStatus;
  reasons: string[];
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: Plan;
  /** The verified custom domains, which the edge routes; pending ones are listed at /tenants/:slug/domains. */
  domains: string[];
  partnerId: string | null;
  industry: string | null;
  brandColor: string | null;
  provisioning: Record<string, ProvisioningStep>;
  /** null when the tenant needed no approval. */
  approval: TenantApproval | null;
  health: TenantHealth;
  /** Never put to sleep when idle. */
  keepAwake: boolean;
  /** The last request through the edge, as last written (the edge writes it in batches). */
  lastActivityAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One tenant's reconcile: each step's outcome and what it found different and healed. */
export interface ReconcileResult {
  slug: string;
  status: TenantStatus;
  /** False when another reconcile of this tenant held the lease, or it awaits approval; the steps are then as last stored. */
  ran: boolean;
  steps: Record<string, { state: ProvisioningState; error?: string; drift: string[] }>;
}

/**
 * A service of a tenant's workspace, from its plan: a name and the port it
 * listens on inside the container. The default service (the plan's first)
 * answers at `<slug>.<base domain>` and the tenant's custom domains; every
 * other one at `<name>--<slug>.<base domain>`.
 */
export interface WorkspaceService {
  name: string;
  port: number;
  default: boolean;
}

export interface WorkspaceStatus {
  state: 'running' | 'stopped' | 'missing' | 'unknown';
  image: string | null;
  startedAt: string | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  /** Why the state is unknown (no engine configured, engine down), or why it is not running when the engine knows (its node is down or drained). */
  reason?: string;
  /** On a Docker Swarm: the node it runs on, or last ran on. */
  node?: string;
  /** An owner stopped it: it stays stopped until started. */
  stoppedByOwner: boolean;
  /** The plan's idle time before the workspace sleeps; null when it never does (keep-awake is the tenant's `keepAwake`). */
  sleepsAfterSeconds: number | null;
  /** The workspace's services, from its plan, the default first. */
  services: WorkspaceService[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface CreateTenantRequest {
  slug: string;
  name: string;
  plan?: Plan;
  industry?: string;
  brandColor?: string;
}

export interface UpdateTenantRequest {
  name?: string;
  plan?: Plan;
  industry?: string;
  brandColor?: string;
  keepAwake?: boolean;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: TenantRole;
  createdAt: string;
  /** Invited and not signed in yet. */
  invited: boolean;
}

export interface AddMemberRequest {
  email: string;
  role: TenantRole;
}

export interface ProbeResult {
  name: string;
  status: 'up' | 'down' | 'skipped';
  /** Measured for this call; null when the probe was skipped. */
  latencyMs: number | null;
  /** The last error this probe saw, even if it is up now; null if none since start. */
  lastError: string | null;
  lastErrorAt: string | null;
  /** Why it was skipped. */
  reason?: string;
}

export interface SystemHealth {
  status: 'up' | 'degraded' | 'down';
  checkedAt: string;
  probes: ProbeResult[];
}

export const SUPPORT_GRANT_STATUSES = ['pending', 'approved', 'denied', 'revoked', 'expired'] as const;
export type SupportGrantStatus = (typeof SUPPORT_GRANT_STATUSES)[number];

/** An operator's request for support access to a tenant, and its owner's decision. */
export interface SupportGrant {
  id: string;
  tenantId: string;
  operator: { userId: string; name: string; email: string };
  reason: string;
  /** `expired` once an approved grant is past expiresAt. */
  status: SupportGrantStatus;
  requestedAt: string;
  decidedAt: string | null;
  decidedBy: { userId: string; name: string } | null;
  /** Set on approval. */
  expiresAt: string | null;
}
