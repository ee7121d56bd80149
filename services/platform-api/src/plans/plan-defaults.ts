import type { Plan, PlanBackups, PlanLimits, PlanPrice } from '@tessera/contracts';
import type { AppConfig } from '../config/app-config';
import type { PlanFields } from './plan.schema';

/**
 * The catalogue as it was before it moved to the database, and what a fresh
 * database is seeded with. Limits and prices have no environment variables;
 * sleep and the workspace template come from WORKSPACE_IMAGE,
 * WORKSPACE_COMMAND, WORKSPACE_SERVICES[_<PLAN>] and
 * WORKSPACE_IDLE_SECONDS[_<PLAN>].
 */
const DEFAULTS: Record<Plan, { name: string; description: string; limits: PlanLimits; prices: PlanPrice[] }> = {
  free: { name: 'Free', description: 'To try Tessera: a small workspace that sleeps when idle.', limits: { cpus: 0.25, memoryMb: 64, pids: 64 }, prices: [{ currency: 'EUR', monthlyPrice: 0 }] },
  starter: { name: 'Starter', description: 'For a small team getting started.', limits: { cpus: 0.5, memoryMb: 128, pids: 128 }, prices: [{ currency: 'EUR', monthlyPrice: 1_900 }] },
  business: { name: 'Business', description: 'For a business that runs on its workspace every day.', limits: { cpus: 1, memoryMb: 256, pids: 256 }, prices: [{ currency: 'EUR', monthlyPrice: 4_900 }] },
  enterprise: { name: 'Enterprise', description: 'The largest workspace, for the most demanding work.', limits: { cpus: 2, memoryMb: 512, pids: 512 }, prices: [{ currency: 'EUR', monthlyPrice: 19_900 }] },
};

/**
 * Scheduled backups per plan until an operator changes them: every day with a
 * week of dailies for the small plans, more often and kept longer for the
 * larger ones.
 */
export const BACKUP_DEFAULTS: Record<Plan, PlanBackups> = {
  free: { intervalHours: 24, keepLast: 3, keepDaily: 7 },
  starter: { intervalHours: 24, keepLast: 7, keepDaily: 14 },
  business: { intervalHours: 6, keepLast: 12, keepDaily: 30 },
  enterprise: { intervalHours: 1, keepLast: 48, keepDaily: 90 },
};

/** When a plan's idle time is 0 in the environment (never sleeps), the idle time it gets if an operator lets it sleep. */
export const DEFAULT_IDLE_SECONDS = 1_200;

export function planDefaults(plan: Plan, config: AppConfig): PlanFields {
  const idle = config.workspace.idleSeconds[plan];
  const base = DEFAULTS[plan];
  return {
    name: base.name,
    description: base.description,
    limits: { ...base.limits },
    prices: base.prices.map((price) => ({ ...price })),
    sleeps: idle > 0,
    idleSeconds: idle > 0 ? idle : DEFAULT_IDLE_SECONDS,
    template: { image: config.workspace.image, command: [...config.workspace.command], services: config.workspace.services[plan].map((service) => ({ ...service })) },
    backups: { ...BACKUP_DEFAULTS[plan] },
  };
}
