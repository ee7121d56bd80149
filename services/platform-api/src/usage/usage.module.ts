import { Module } from '@nestjs/common';
import { UsageController } from './usage.controller';
import { UsageHistoryService } from './usage-history.service';
import { UsageSampler } from './usage-sampler.service';

/** Usage history: the sampler (every running workspace, at an interval) and the history route. Its data lives in the UsageRepository. */
@Module({
  controllers: [UsageController],
  providers: [UsageSampler, UsageHistoryService],
  exports: [UsageSampler],
})
export class UsageModule {}
