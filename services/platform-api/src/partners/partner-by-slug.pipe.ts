import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { PartnerRecord } from './partner.schema';
import { PartnersRepository } from './partners.repository';

/**
 * The whole partner a route names, for the services: `@Param('partner',
 * PartnerBySlugPipe)`. The AccessGuard has already decided on the same slug.
 */
@Injectable()
export class PartnerBySlugPipe implements PipeTransform<string, Promise<PartnerRecord>> {
  constructor(private readonly partners: PartnersRepository) {}

  async transform(slug: string): Promise<PartnerRecord> {
    const partner = await this.partners.findBySlug(slug);
    if (!partner) throw DomainError.notFound(`The partner "${slug}"`);
    return partner;
  }
}
