import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SettingsModule } from '../settings/settings.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { UsersModule } from '../users/users.module';
import { TenantActivityController } from './activity.controller';
import { ApprovalsController } from './approvals.controller';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { TenantHealthService } from './tenant-health.service';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/** Tenants, their members, approvals and activity. The (global) ProvisioningModule binds the TenantProvisioner they use. */
@Module({
  imports: [SubscriptionsModule, UsersModule, SettingsModule, AuditModule],
  controllers: [TenantsController, MembersController, ApprovalsController, TenantActivityController],
  providers: [TenantsService, MembersService, TenantHealthService],
  exports: [TenantsService, TenantHealthService],
})
export class TenantsModule {}
