import { Injectable } from '@nestjs/common';
import type { Plan } from '@tessera/contracts';
import { PlanTenants } from '../plans/plan-tenants';
import { TenantsRepository } from '../tenants/tenants.repository';
import { ReconcileService } from './reconcile.service';

/**
 * The catalogue's PlanTenants: a plan's tenants counted, and reprovisioned
 * through the ordinary reconcile (workspace and route: the container takes
 * the new limits, image, command and ports; the route the new services).
 * Terminated tenants and sign-ups waiting for approval are left alone.
 */
@Injectable()
export class PlanReprovisioner extends PlanTenants {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly reconcile: ReconcileService,
  ) {
    super();
  }

  countByPlan(): Promise<Partial<Record<Plan, number>>> {
    return this.tenants.countLiveByPlan();
  }

  async reprovision(plan: Plan): Promise<number> {
    const tenants = (await this.tenants.listLiveOnPlan(plan)).filter((tenant) => tenant.approval !== 'pending');
    this.reconcile.startAll(tenants, ['workspace', 'route']);
    return tenants.length;
  }
}
