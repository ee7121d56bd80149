import { Injectable, Logger } from '@nestjs/common';
import type { NotificationKind } from '@tessera/contracts';

/** Something worth telling people: what happened, and to which tenant or partner. */
export interface Notice {
  kind: NotificationKind;
  /** The tenant it concerns (its owners hear of it; and its partner's admins, for partner kinds). */
  tenantId?: string | null;
  /** The partner it concerns, when no tenant does. */
  partnerId?: string | null;
  /** One line, and a few sentences: written for a person, never a code. */
  subject: string;
  text: string;
  /** Makes the notice unique: a second notify with the same key is the same notice (a probe seen by several processes). */
  key?: string;
}

/**
 * Where features say that people should be told something. A port: the
 * notifications feature binds it (a queue in the database, then email and
 * webhooks); features import only this. `notify` returns once the notice is
 * queued, never waits for a delivery and never throws: a notice that cannot
 * be queued is logged, and must not fail the work that caused it.
 */
export abstract class Notifier {
  abstract notify(notice: Notice): Promise<void>;
}

/** Until a channel is bound: notices are logged and go nowhere else. */
@Injectable()
export class LogNotifier extends Notifier {
  private readonly logger = new Logger('Notifier');

  notify(notice: Notice): Promise<void> {
    this.logger.log({ kind: notice.kind, tenant: notice.tenantId, partner: notice.partnerId }, notice.subject);
    return Promise.resolve();
  }
}
