import { Injectable } from '@nestjs/common';
import { Resolver } from 'node:dns/promises';
import { AppConfig } from '../../config/app-config';
import { IntegrationError } from '../integration-error';
import { TxtRecords } from './txt-records.port';

/** Answers that mean "there is no such record", as opposed to "could not ask". */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA']);

/** TxtRecords on Node's resolver: the servers in DNS_RESOLVERS, else the system's. */
@Injectable()
export class NodeDnsTxtRecords extends TxtRecords {
  private readonly resolver: Resolver;

  constructor(config: AppConfig) {
    super();
    this.resolver = new Resolver({ timeout: config.dns.timeoutMs, tries: 2 });
    if (config.dns.servers.length > 0) this.resolver.setServers(config.dns.servers);
  }

  async lookup(name: string): Promise<string[]> {
    try {
      return (await this.resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (error: unknown) {
      const code = (error as { code?: string }).code ?? 'unknown';
      if (NO_RECORD.has(code)) return [];
      throw new IntegrationError('dns', 'unavailable', `DNS could not answer for ${name} (${code})`);
    }
  }
}
