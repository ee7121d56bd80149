import type { PlanBackups } from './backups';
import type { SubscriptionStatus } from './subscriptions';
import type { Plan, WorkspaceService } from './tenants';

/** What a plan's workspace container may use. */
export interface PlanLimits {
  /** CPU cores (0.25 = a quarter of one core). */
  cpus: number;
  memoryMb: number;
  /** Most processes and threads in the container at once. */
  pids: number;
}

/** A plan's monthly list price in one currency, in minor units (cents). */
export interface PlanPrice {
  currency: string;
  monthlyPrice: number;
}

/** What a plan's workspace runs: the image, its command and the services (named ports) it answers on. */
export interface PlanTemplate {
  image: string;
  command: string[];
  services: WorkspaceService[];
}

/**
 * A plan of the catalogue as customers and partners see it (onboarding, the
 * billing page): no image or command.
 */
export interface PlanOffer {
  key: Plan;
  name: string;
  description: string;
  limits: PlanLimits;
  /** The first is the plan's list currency: a new subscription opens in it. */
  prices: PlanPrice[];
  /** Whether an idle workspace on this plan is put to sleep, and after how long. */
  sleeps: boolean;
  idleSeconds: number;
  services: WorkspaceService[];
  /** Scheduled backups of the workspace's data and how many are kept. */
  backups: PlanBackups;
  /**
   * Stands for the plan's limits and workspace template: moving between two
   * plans whose fingerprints differ recreates the workspace's container (a
   * restart of a few seconds).
   */
  workspaceFingerprint: string;
  /** Archived: kept by the tenants on it, never offered for a new tenant or a change. */
  archived: boolean;
}

/** A plan as operators see and edit it. */
export interface CatalogPlan extends PlanOffer {
  template: PlanTemplate;
  /** Tenants on this plan that are not terminated. */
  tenantCount: number;
  /** Null until an operator first changed it: until then the environment's WORKSPACE_* settings seed it at every start. */
  editedAt: string | null;
  updatedAt: string;
}

/** What an operator's change to a plan did: the plan, and how many tenants are being reprovisioned for it. */
export interface PlanChangeResult {
  plan: CatalogPlan;
  reprovisioning: number;
}

/**
 * Subscription statuses that count towards MRR. A tenant that is suspended
 * counts for nothing, whatever its subscription says. See docs/api.md "MRR".
 */
export const MRR_STATUSES: readonly SubscriptionStatus[] = ['active', 'past_due'];

/** An amount of MRR in one currency and how many subscriptions make it. */
export interface MrrLine {
  currency: string;
  amount: number;
  subscriptions: number;
}

/** `suspended`: subscriptions of suspended tenants, whatever their status; never counted. */
export type MrrBucket = SubscriptionStatus | 'suspended';

export interface MrrBreakdown {
  countedStatuses: SubscriptionStatus[];
  /** Every bucket, counted or not, so the total can be explained. */
  byStatus: { status: MrrBucket; counted: boolean; lines: MrrLine[] }[];
  /** Counted MRR only, from here on. */
  byPlan: { plan: Plan; name: string; lines: MrrLine[] }[];
  /** partnerId null: tenants sold directly. */
  byPartner: { partnerId: string | null; partnerSlug: string | null; partnerName: string; lines: MrrLine[] }[];
  byCurrency: MrrLine[];
}
