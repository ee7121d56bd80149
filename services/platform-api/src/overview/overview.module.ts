import { Module } from '@nestjs/common';
import { PartnersDataModule } from '../partners/partners-data.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { TenantsModule } from '../tenants/tenants.module';
import { OverviewController } from './overview.controller';
import { OverviewService } from './overview.service';

@Module({
  imports: [TenantsDataModule, TenantsModule, SubscriptionsModule, PartnersDataModule],
  controllers: [OverviewController],
  providers: [OverviewService],
})
export class OverviewModule {}
