import type { ProvisioningStepName, ReconcileResult } from '@tessera/contracts';
import type { TenantRecord } from './tenant.schema';

/**
 * What the tenant lifecycle needs from provisioning, as a port: the
 * provisioning module binds it (to its ReconcileService), so the tenants
 * folder never imports provisioning and provisioning may read tenants.
 */
export abstract class TenantProvisioner {
  /**
   * Starts converging the tenant and does not wait (a new tenant's first
   * provisioning, a plan change). `expected`: as for converge.
   */
  abstract start(tenant: TenantRecord, options?: { expected?: boolean }): void;
  /**
   * Converges the tenant now. `expected`: the caller has just changed what
   * the tenant should be and audits that itself, so it is not drift.
   */
  abstract converge(tenant: TenantRecord, options?: { only?: ProvisioningStepName[]; expected?: boolean }): Promise<ReconcileResult>;
  /** Frees what a tenant that ended held for others to take (its custom domains). */
  abstract release(tenant: TenantRecord): Promise<void>;
}
