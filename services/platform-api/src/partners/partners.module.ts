import { Module } from '@nestjs/common';
import { IdentityModule } from '../integrations/identity/identity.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { PartnerTeamController } from './partner-team.controller';
import { PartnerTeamService } from './partner-team.service';
import { PartnerTenantsController } from './partner-tenants.controller';
import { PartnerTenantsService } from './partner-tenants.service';
import { PartnersDataModule } from './partners-data.module';
import { PartnersController } from './partners.controller';
import { PartnersService } from './partners.service';
import { TenantPartnerController } from './tenant-partner.controller';

@Module({
  imports: [PartnersDataModule, TenantsDataModule, TenantsModule, SubscriptionsModule, UsersModule, IdentityModule],
  controllers: [PartnersController, PartnerTenantsController, PartnerTeamController, TenantPartnerController],
  providers: [PartnersService, PartnerTenantsService, PartnerTeamService],
})
export class PartnersModule {}
