import { Global, Module } from '@nestjs/common';
import { PlanCatalog } from './plan-catalog.service';
import { PlanOffersController, PlansController } from './plans.controller';
import { PlansService } from './plans.service';

/**
 * The plan catalogue, for every module (global): provisioning, the edge,
 * subscriptions and tenants read it. Its PlanTenants port is bound by the
 * provisioning module.
 */
@Global()
@Module({
  controllers: [PlanOffersController, PlansController],
  providers: [PlanCatalog, PlansService],
  exports: [PlanCatalog],
})
export class PlansModule {}
