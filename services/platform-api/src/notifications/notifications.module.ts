import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DisabledMailSender, MailSender, SmtpMailSender } from './mail-sender';
import { NotificationDispatcher } from './notification-dispatcher.service';
import { NotificationPreferencesController } from './notification-preferences.controller';
import { NotificationPreferencesService } from './notification-preferences.service';
import { NotificationRecipients } from './notification-recipients';
import { OutboxNotifier } from './outbox-notifier';
import { WebhookClient } from './webhook-client';
import { PartnerWebhooksController, PlatformWebhooksController, TenantWebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Notifications: the outbox that binds the Notifier port (AppModule hands
 * `OutboxNotifier` to CommonModule), its dispatcher, email over SMTP
 * (nodemailer; off without SMTP_URL), signed webhooks, and each person's
 * preferences. Its collections are registered with the others (DatabaseModule).
 * Global so that CommonModule's Notifier can reach the notifier.
 */
@Global()
@Module({
  controllers: [TenantWebhooksController, PartnerWebhooksController, PlatformWebhooksController, NotificationPreferencesController],
  providers: [
    NotificationRecipients,
    NotificationDispatcher,
    NotificationPreferencesService,
    WebhooksService,
    OutboxNotifier,
    {
      provide: MailSender,
      inject: [AppConfig],
      useFactory: (config: AppConfig): MailSender =>
        config.notifications.smtpUrl ? new SmtpMailSender(config.notifications.smtpUrl, config.notifications.from, config.notifications.smtpTimeoutMs) : new DisabledMailSender(),
    },
    {
      provide: WebhookClient,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new WebhookClient({ timeoutMs: config.notifications.webhookTimeoutMs, allowPrivateTargets: config.notifications.allowPrivateWebhookTargets }),
    },
  ],
  exports: [OutboxNotifier, NotificationDispatcher],
})
export class NotificationsModule {}
