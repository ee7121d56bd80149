import { Module } from '@nestjs/common';
import { MembershipsModule } from '../memberships/memberships.module';
import { SubscriptionsController } from '../subscriptions/subscriptions.controller';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { UsersModule } from '../users/users.module';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { TenantsDataModule } from './tenants-data.module';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';
import { ApprovalsController } from './approvals.controller';
import { SettingsModule } from '../settings/settings.module';
import { IdentityModule } from '../integrations/identity/identity.module';
import { TenantHealthService } from './tenant-health.service';
import { DomainsModule } from '../domains/domains.module';

@Module({
  imports: [TenantsDataModule, MembershipsModule, SubscriptionsModule, UsersModule, ProvisioningModule, SettingsModule, IdentityModule, DomainsModule],
  controllers: [TenantsController, MembersController, SubscriptionsController, ApprovalsController],
  providers: [TenantsService, MembersService, TenantHealthService],
  exports: [TenantsService, TenantHealthService],
})
export class TenantsModule {}
