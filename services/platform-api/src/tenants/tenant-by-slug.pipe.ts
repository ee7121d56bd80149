import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { TenantRecord } from './tenant.schema';
import { TenantsRepository } from './tenants.repository';

/**
 * The whole tenant a route names, for the services: `@Param('slug',
 * TenantBySlugPipe)`. The AccessGuard has already decided on the same slug
 * (the lookup is cached), so this only loads what the guard does not carry.
 */
@Injectable()
export class TenantBySlugPipe implements PipeTransform<string, Promise<TenantRecord>> {
  constructor(private readonly tenants: TenantsRepository) {}

  async transform(slug: string): Promise<TenantRecord> {
    const tenant = await this.tenants.findBySlug(slug);
    if (!tenant) throw DomainError.notFound(`The tenant "${slug}"`);
    return tenant;
  }
}
