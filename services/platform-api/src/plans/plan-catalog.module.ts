import { Global, Module } from '@nestjs/common';
import { PlanCatalog } from './plan-catalog.service';

/**
 * The plan catalogue as every module reads it (global): provisioning, the
 * edge, subscriptions and tenants. Apart from PlansModule (the routes), so a
 * module that only reads plans needs nothing else.
 */
@Global()
@Module({
  providers: [PlanCatalog],
  exports: [PlanCatalog],
})
export class PlanCatalogModule {}
