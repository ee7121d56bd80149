import { Module } from '@nestjs/common';
import { PlanCatalogModule } from './plan-catalog.module';
import { PlanOffersController, PlansController } from './plans.controller';
import { PlansService } from './plans.service';

/**
 * The plan routes: the offers and the operators' catalogue. The catalogue
 * itself is PlanCatalogModule's; the PlanTenants port is bound by the
 * provisioning module.
 */
@Module({
  imports: [PlanCatalogModule],
  controllers: [PlanOffersController, PlansController],
  providers: [PlansService],
})
export class PlansModule {}
