import { jsonRequest } from '../http-json';
import { MailDomains, type MailDomainEnsured } from './mail-domains.port';
import { IntegrationError } from '../integration-error';

/**
 * MailDomains on Stalwart's REST management API (`/api/principal`), the
 * management interface of the 0.x versions compose pins (v0.15); Stalwart
 * 0.16 and later moved management to JMAP. A domain is a principal of type
 * `domain`; creating one that exists answers 400 `fieldAlreadyExists`.
 */
export class StalwartMailDomains extends MailDomains {
  constructor(private readonly mail: { url: string; token: string }) {
    super();
  }

  async ping(): Promise<void> {
    const mail = this.mail;
    const answer = await jsonRequest(`${mail.url.replace(/\/$/, '')}/api/principal/__tessera_health__`, { method: 'GET', token: mail.token, timeoutMs: 2_000 });
    if (answer.status !== 200 && answer.status !== 404) throw new IntegrationError('mail', 'unavailable', `Stalwart answered ${answer.status}`);
  }

  async ensureDomain(domain: string, description: string): Promise<MailDomainEnsured> {
    const mail = this.mail;
    const call = (method: string, path: string, body?: unknown) => jsonRequest(`${mail.url.replace(/\/$/, '')}/api${path}`, { method, token: mail.token, body, timeoutMs: 5_000 });

    const found = await call('GET', `/principal/${encodeURIComponent(domain)}`);
    if (found.status === 200) return { handle: String((found.body as { data?: { id?: unknown } }).data?.id ?? domain), created: false };
    if (found.status !== 404) throw new IntegrationError('mail', 'unavailable', `Stalwart answered ${found.status} looking up ${domain}`);

    const created = await call('POST', '/principal', { type: 'domain', name: domain, description });
    if (created.status === 200) return { handle: String((created.body as { data?: unknown }).data ?? domain), created: true };
    throw new IntegrationError('mail', 'unavailable', `Stalwart answered ${created.status} creating ${domain}: ${JSON.stringify(created.body).slice(0, 200)}`);
  }
}
