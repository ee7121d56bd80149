import { Module } from '@nestjs/common';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { PartnerTeamController } from './partner-team.controller';
import { PartnerTeamService } from './partner-team.service';
import { PartnerTenantsController } from './partner-tenants.controller';
import { PartnerTenantsService } from './partner-tenants.service';
import { PartnersController } from './partners.controller';
import { PartnersService } from './partners.service';
import { TenantPartnerController } from './tenant-partner.controller';

@Module({
  imports: [TenantsModule, SubscriptionsModule, UsersModule],
  controllers: [PartnersController, PartnerTenantsController, PartnerTeamController, TenantPartnerController],
  providers: [PartnersService, PartnerTenantsService, PartnerTeamService],
})
export class PartnersModule {}
