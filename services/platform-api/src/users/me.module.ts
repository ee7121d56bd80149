import { Module } from '@nestjs/common';
import { MembershipsModule } from '../memberships/memberships.module';
import { PartnersDataModule } from '../partners/partners-data.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { MeService } from './me.service';
import { UsersController } from './users.controller';

/** GET /users/me: kept apart from UsersModule, which the tenant and auth modules build on. */
@Module({
  imports: [MembershipsModule, TenantsDataModule, PartnersDataModule],
  controllers: [UsersController],
  providers: [MeService],
})
export class MeModule {}
