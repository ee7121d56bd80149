import type { Plan } from '@tessera/contracts';

/**
 * What the catalogue needs from the tenants on a plan, as a port: the
 * provisioning module binds it, so plans never import tenants or
 * provisioning and both may read the catalogue.
 */
export abstract class PlanTenants {
  /** Tenants that are not terminated, by plan. */
  abstract countByPlan(): Promise<Partial<Record<Plan, number>>>;
  /**
   * Starts converging the workspace and route of every live tenant on the
   * plan (a few at a time, in the background) after its limits or template
   * changed; answers how many.
   */
  abstract reprovision(plan: Plan): Promise<number>;
}
