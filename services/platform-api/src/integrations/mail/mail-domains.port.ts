export interface MailDomainEnsured {
  /** The mail server's id of the domain. */
  handle: string;
  created: boolean;
}

/** The mail server's domains, as the mail step needs them. Adapter: StalwartMailDomains. */
export abstract class MailDomains {
  /** Finds or creates the domain; idempotent. */
  abstract ensureDomain(domain: string, description: string): Promise<MailDomainEnsured>;
  /** Throws when the mail server does not answer or refuses the token. */
  abstract ping(): Promise<void>;
}

