import type { ProvisioningStepName, ProvisioningState } from '@tessera/contracts';
import type { TenantRecord } from '../tenants/tenant.schema';

export interface StepResult {
  state: Exclude<ProvisioningState, 'pending'>;
  handle?: string;
  error?: string;
  /** What differed from the wanted state and was put right. */
  drift: string[];
}

/** What one reconcile of one tenant knows; steps may leave facts for the steps after them. */
export interface StepContext {
  tenant: TenantRecord;
  /** Where the edge reaches each port of the workspace (port → URL), when the workspace step found out. */
  workspaceEndpoints?: Record<string, string>;
}

/**
 * One provisioning step: `ensure` converges the tenant's part of one system
 * on what the tenant's record says (its status included) and is safe to
 * repeat. Errors it throws are recorded as `error`; they never stop the others.
 */
export abstract class ProvisioningStep {
  abstract readonly name: ProvisioningStepName;
  abstract ensure(context: StepContext): Promise<StepResult>;
}

export const PROVISIONING_STEP_LIST = Symbol('PROVISIONING_STEP_LIST');

export const skipped = (reason: string): StepResult => ({ state: 'skipped', error: reason, drift: [] });
