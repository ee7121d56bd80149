import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MembershipsModule } from '../memberships/memberships.module';
import { SubscriptionsController } from '../subscriptions/subscriptions.controller';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { UsersModule } from '../users/users.module';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { Tenant, TenantSchema } from './tenant.schema';
import { TenantsController } from './tenants.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: Tenant.name, schema: TenantSchema }]), MembershipsModule, SubscriptionsModule, UsersModule],
  controllers: [TenantsController, MembersController, SubscriptionsController],
  providers: [TenantsRepository, TenantsService, MembersService],
  exports: [TenantsRepository, TenantsService],
})
export class TenantsModule {}
