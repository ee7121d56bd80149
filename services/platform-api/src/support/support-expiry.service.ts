import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { SupportService } from './support.service';

/** How far back a sweep looks: a grant that ran out while every process was down is still heard of, once (the notice's key). */
const LOOK_BACK_MS = 24 * 3_600_000;

/**
 * Every SUPPORT_EXPIRY_CHECK_SECONDS, tells owners about support access that
 * ran out (support.expired). Tests call `sweep()` and move the clock.
 */
@Injectable()
export class SupportExpirySweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SupportExpirySweep.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly support: SupportService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.support.expiryCheckMs <= 0) return;
    this.timer = setInterval(() => void this.sweep().catch((error: unknown) => this.logger.warn({ err: error }, 'support expiry sweep failed')), this.config.support.expiryCheckMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Notices for the grants that ran out in the last day; answers how many it saw. */
  sweep(): Promise<number> {
    return this.support.notifyExpired(new Date(this.clock.now().getTime() - LOOK_BACK_MS));
  }
}
