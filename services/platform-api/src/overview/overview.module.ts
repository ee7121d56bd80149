import { Module } from '@nestjs/common';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { TenantsModule } from '../tenants/tenants.module';
import { OverviewController } from './overview.controller';
import { OverviewService } from './overview.service';

@Module({
  imports: [TenantsModule, SubscriptionsModule],
  controllers: [OverviewController],
  providers: [OverviewService],
})
export class OverviewModule {}
