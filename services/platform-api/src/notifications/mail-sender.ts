import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport } from 'nodemailer';

/** One email, with the name it comes from (Tessera, or a partner's brand). */
export interface OutgoingMail {
  to: string;
  fromName: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends email. A port: SMTP through nodemailer, or disabled when no SMTP server is configured. */
export abstract class MailSender {
  /** False when email is off (no SMTP_URL): no email deliveries are queued at all. */
  abstract readonly enabled: boolean;
  /** Resolves once the SMTP server accepted the message; rejects with the reason otherwise. */
  abstract send(mail: OutgoingMail): Promise<void>;
}

/** SMTP through nodemailer (SMTP_URL: `smtp://user:pass@host:port` or `smtps://…`). */
export class SmtpMailSender extends MailSender implements OnApplicationShutdown {
  readonly enabled = true;
  private readonly transport;

  constructor(
    url: string,
    private readonly fromAddress: string,
    timeoutMs: number,
  ) {
    super();
    // A server that takes the connection and never answers must not hold a delivery for long.
    this.transport = createTransport({ url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({ from: { name: mail.fromName, address: this.fromAddress }, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}

/** No SMTP server configured: email is off, and says so. */
@Injectable()
export class DisabledMailSender extends MailSender {
  readonly enabled = false;

  send(): Promise<void> {
    return Promise.reject(new Error('email is off: SMTP_URL is not set'));
  }
}
