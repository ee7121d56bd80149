import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { ChangeFeed } from '../common/change-feed';
import { LiveEventsController } from './live-events.controller';
import { LiveEvents } from './live-events.service';
import { LiveStreamService } from './live-stream.service';

/** The live event stream, and the ChangeFeed every feature publishes to (global). */
@Global()
@Module({
  imports: [AuthModule, UsersModule],
  controllers: [LiveEventsController],
  providers: [LiveEvents, LiveStreamService, { provide: ChangeFeed, useExisting: LiveEvents }],
  exports: [ChangeFeed, LiveEvents],
})
export class LiveEventsModule {}
