import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { PartnersRepository } from '../partners/partners.repository';
import { LeaseRepository } from '../provisioning/lease.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { MailSender } from './mail-sender';
import { renderMail, TESSERA_BRAND, type MailBrand } from './notification-mail';
import { isSecurityKind, NotificationRecipients } from './notification-recipients';
import type { DeliveryRecord, NotificationRecord } from './notification.schema';
import { NotificationsRepository, WebhookEndpointsRepository } from './notifications.repository';
import { SIGNATURE_HEADER, signatureOf, WebhookClient } from './webhook-client';

const LEASE = 'notifications-dispatcher';
/** Notices expanded, and deliveries attempted, in one pass at most; the rest wait for the next. */
const BATCH = 200;
/** Deliveries attempted at once. */
const CONCURRENCY = 8;
/** The longest wait between two attempts of one delivery. */
const MAX_BACKOFF_MS = 3_600_000;

/** What one pass did: for logs, tests and the benchmark. */
export interface DispatchReport {
  /** Why it did nothing (another process dispatching), else null. */
  skipped: string | null;
  expanded: number;
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Delivers the outbox. Every NOTIFICATIONS_DISPATCH_SECONDS, and soon after a
 * notice is queued, one process at a time (a lease in the database) expands
 * the notices not yet expanded into one delivery per recipient and channel,
 * then attempts every delivery that is due. A failed attempt is retried with
 * a doubling delay (NOTIFICATIONS_RETRY_SECONDS, then twice that, … up to an
 * hour) until NOTIFICATIONS_MAX_ATTEMPTS, then the delivery is `failed`. All
 * of it is in the database, so a restart loses nothing queued. Tests call
 * `pass()` and move the clock.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DispatchReport> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly outbox: NotificationsRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly recipients: NotificationRecipients,
    private readonly tenants: TenantsRepository,
    private readonly partners: PartnersRepository,
    private readonly mail: MailSender,
    private readonly webhooks: WebhookClient,
    private readonly leases: LeaseRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.notifications.dispatchMs;
    if (interval <= 0) return;
    this.timer = setInterval(() => this.kick(), interval);
    this.timer.unref();
    // Whatever an earlier process queued and did not deliver goes out now.
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Asks for a pass soon, without waiting: after a notice is queued (when dispatching runs on its own). */
  kick(): void {
    if (this.stopped || this.config.notifications.dispatchMs <= 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.pass().catch((error: unknown) => this.logger.warn({ err: error }, 'notification pass failed'));
  }

  /** Runs a pass now (or answers the one under way). */
  pass(): Promise<DispatchReport> {
    this.running ??= this.runPass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    return this.running;
  }

  private async runPass(): Promise<DispatchReport> {
    const report: DispatchReport = { skipped: null, expanded: 0, sent: 0, retrying: 0, failed: 0 };
    if (!(await this.leases.acquire(LEASE, this.holder, Math.max(3 * this.config.notifications.dispatchMs, 60_000)))) return { ...report, skipped: 'another process is dispatching' };
    try {
      for (const notice of await this.outbox.listPending(BATCH)) {
        await this.expand(notice);
        report.expanded += 1;
      }
      const due = await this.outbox.listDue(this.clock.now(), BATCH);
      const notices = await this.outbox.findNotifications([...new Set(due.map((delivery) => delivery.notificationId))]);
      for (let start = 0; start < due.length; start += CONCURRENCY) {
        const outcomes = await Promise.all(due.slice(start, start + CONCURRENCY).map((delivery) => this.attempt(delivery, notices.get(delivery.notificationId))));
        for (const outcome of outcomes) report[outcome] += 1;
      }
      return report;
    } finally {
      await this.leases.release(LEASE, this.holder).catch(() => undefined);
    }
  }

  /** One delivery per person and per endpoint; expanding twice adds only what is missing. */
  private async expand(notice: NotificationRecord): Promise<void> {
    const { people, endpoints } = await this.recipients.of(notice);
    const now = this.clock.now();
    if (this.mail.enabled) {
      for (const person of people) {
        await this.outbox.addDelivery({ notificationId: notice.id, kind: notice.kind, channel: 'email', target: `user:${person.userId}`, userId: person.userId, email: person.email, brandPartnerId: person.brandPartnerId, nextAttemptAt: now });
      }
    }
    for (const endpoint of endpoints) {
      await this.outbox.addDelivery({ notificationId: notice.id, kind: notice.kind, channel: 'webhook', target: `endpoint:${endpoint.id}`, endpointId: endpoint.id, nextAttemptAt: now });
    }
    await this.outbox.markExpanded(notice.id);
  }

  private async attempt(delivery: DeliveryRecord, notice: NotificationRecord | undefined): Promise<'sent' | 'retrying' | 'failed'> {
    const attempts = delivery.attempts + 1;
    let outcome: { ok: boolean; final?: boolean; status: number | null; answer: string };
    try {
      if (!notice) outcome = { ok: false, final: true, status: null, answer: 'the notice is gone' };
      else outcome = delivery.channel === 'email' ? await this.sendMail(delivery, notice) : await this.postWebhook(delivery, notice);
    } catch (error: unknown) {
      outcome = { ok: false, status: null, answer: (error instanceof Error ? error.message : String(error)).slice(0, 500) };
    }
    const now = this.clock.now();
    if (outcome.ok) {
      await this.outbox.recordAttempt(delivery.id, now, { state: 'sent', attempts, nextAttemptAt: null, lastStatus: outcome.status, lastResponse: outcome.answer, sentAt: now });
      return 'sent';
    }
    if (outcome.final || attempts >= this.config.notifications.maxAttempts) {
      await this.outbox.recordAttempt(delivery.id, now, { state: 'failed', attempts, nextAttemptAt: null, lastStatus: outcome.status, lastResponse: outcome.answer, sentAt: null });
      this.logger.warn({ delivery: delivery.id, channel: delivery.channel, attempts }, `a ${delivery.kind} notice could not be delivered: ${outcome.answer}`);
      return 'failed';
    }
    const nextAttemptAt = new Date(now.getTime() + backoffMs(this.config.notifications.retryBaseMs, attempts));
    await this.outbox.recordAttempt(delivery.id, now, { state: 'pending', attempts, nextAttemptAt, lastStatus: outcome.status, lastResponse: outcome.answer, sentAt: null });
    return 'retrying';
  }

  private async sendMail(delivery: DeliveryRecord, notice: NotificationRecord): Promise<{ ok: boolean; final?: boolean; status: number | null; answer: string }> {
    if (!delivery.email) return { ok: false, final: true, status: null, answer: 'the person has no email address' };
    const brand = await this.brandOf(delivery.brandPartnerId);
    const mail = renderMail(notice, brand, isSecurityKind(notice.kind));
    await this.mail.send({ to: delivery.email, fromName: brand.name, ...mail });
    return { ok: true, status: null, answer: 'accepted by the SMTP server' };
  }

  private async postWebhook(delivery: DeliveryRecord, notice: NotificationRecord): Promise<{ ok: boolean; final?: boolean; status: number | null; answer: string }> {
    const endpoint = delivery.endpointId ? await this.endpoints.findById(delivery.endpointId) : null;
    if (!endpoint) return { ok: false, final: true, status: null, answer: 'the endpoint is gone' };
    if (endpoint.disabledAt) return { ok: false, final: true, status: null, answer: 'the endpoint was disabled before this was delivered' };
    const [tenant, partner] = await Promise.all([
      notice.tenantId ? this.tenants.findById(notice.tenantId) : null,
      notice.partnerId ? this.partners.findById(notice.partnerId) : null,
    ]);
    const body = JSON.stringify({
      id: delivery.id,
      type: notice.kind,
      createdAt: notice.queuedAt.toISOString(),
      subject: notice.subject,
      text: notice.text,
      tenant: tenant ? { id: tenant.id, slug: tenant.slug, name: tenant.name } : null,
      partner: partner ? { id: partner.id, slug: partner.slug, name: partner.name } : null,
    });
    const now = this.clock.now();
    const timestamp = Math.floor(now.getTime() / 1_000);
    // A secret replaced less than a day ago still signs, beside the new one: receivers move over meanwhile.
    const previous = endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now ? [endpoint.previousSecret] : [];
    const answer = await this.webhooks.post(endpoint.url, body, {
      [SIGNATURE_HEADER]: signatureOf(endpoint.secret, timestamp, body, previous),
      'tessera-event': notice.kind,
      'tessera-delivery': delivery.id,
    });
    const ok = answer.status !== null && answer.status >= 200 && answer.status < 300;
    return { ok, status: answer.status, answer: answer.body };
  }

  private async brandOf(partnerId: string | null): Promise<MailBrand> {
    if (!partnerId) return TESSERA_BRAND;
    const partner = await this.partners.findById(partnerId);
    if (!partner) return TESSERA_BRAND;
    return { name: partner.branding.displayName || partner.name, color: partner.branding.primaryColor || TESSERA_BRAND.color, supportUrl: partner.branding.supportUrl ?? null };
  }
}

/** The wait before attempt `attempts + 1`: the base, doubled for each attempt made after the first, at most an hour. */
export function backoffMs(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}
