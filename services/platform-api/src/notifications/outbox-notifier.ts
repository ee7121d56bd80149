import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { Notifier, type Notice } from '../common/notifier';
import { NotificationDispatcher } from './notification-dispatcher.service';
import { NotificationsRepository } from './notifications.repository';

/**
 * The Notifier the platform runs with: a notice is one insert into the
 * outbox (unique by its key), then the dispatcher is asked for a pass and
 * `notify` returns; delivery happens later, away from the caller. A notice
 * that cannot be queued is logged, never thrown at the caller.
 */
@Injectable()
export class OutboxNotifier extends Notifier {
  private readonly logger = new Logger('Notifier');

  constructor(
    private readonly outbox: NotificationsRepository,
    private readonly dispatcher: NotificationDispatcher,
    private readonly clock: Clock,
  ) {
    super();
  }

  async notify(notice: Notice): Promise<void> {
    try {
      const queued = await this.outbox.enqueue({
        key: notice.key ?? `${notice.kind}:${randomUUID()}`,
        kind: notice.kind,
        tenantId: notice.tenantId ?? null,
        partnerId: notice.partnerId ?? null,
        subject: notice.subject.slice(0, 300),
        text: notice.text.slice(0, 10_000),
        queuedAt: this.clock.now(),
      });
      if (queued) this.dispatcher.kick();
    } catch (error: unknown) {
      this.logger.error({ err: error, kind: notice.kind, key: notice.key }, 'a notice could not be queued');
    }
  }
}
