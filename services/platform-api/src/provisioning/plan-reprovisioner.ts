import { Injectable, Logger } from '@nestjs/common';
import type { Plan } from '@tessera/contracts';
import { PlanTenants } from '../plans/plan-tenants';
import { TenantBackups } from '../tenants/tenant-backups';
import { TenantsRepository } from '../tenants/tenants.repository';
import { ReconcileService } from './reconcile.service';

/**
 * The catalogue's PlanTenants: a plan's tenants counted, and reprovisioned
 * through the ordinary reconcile (workspace and route: the container takes
 * the new limits, image, command and ports; the route the new services).
 * Terminated tenants and sign-ups waiting for approval are left alone.
 * Each tenant's workspace data is backed up just before its container is
 * replaced; a backup that fails is recorded and notified (backup.failed) and
 * the tenant is reprovisioned all the same, since its data volume is kept
 * (the plan has changed already, and its next reconcile would apply it anyway).
 */
@Injectable()
export class PlanReprovisioner extends PlanTenants {
  private readonly logger = new Logger(PlanReprovisioner.name);

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly reconcile: ReconcileService,
    private readonly backups: TenantBackups,
  ) {
    super();
  }

  countByPlan(): Promise<Partial<Record<Plan, number>>> {
    return this.tenants.countLiveByPlan();
  }

  async reprovision(plan: Plan): Promise<number> {
    const tenants = (await this.tenants.listLiveOnPlan(plan)).filter((tenant) => tenant.approval !== 'pending');
    this.reconcile.startAll(tenants, ['workspace', 'route'], async (tenant) => {
      const safety = await this.backups.before(tenant, 'before_plan_change', null);
      if (safety.outcome === 'failed') this.logger.warn({ tenant: tenant.slug }, `reprovisioning after a failed backup: ${safety.message}`);
    });
    return tenants.length;
  }
}
