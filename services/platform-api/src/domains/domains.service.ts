import { Injectable } from '@nestjs/common';
import type { TenantDomain } from '@tessera/contracts';
import { mutation, tenantTarget, type Mutation } from '../audit/mutation';
import { TenantProvisioner } from '../tenants/tenant-provisioner';
import type { TenantRecord } from '../tenants/tenant.schema';
import { CustomDomains } from './custom-domains.service';

/** The custom-domain routes: add, check, remove; a route change follows at once. */
@Injectable()
export class DomainsService {
  constructor(
    private readonly domains: CustomDomains,
    private readonly provisioner: TenantProvisioner,
  ) {}

  list(tenant: TenantRecord): Promise<TenantDomain[]> {
    return this.domains.list(tenant);
  }

  async add(tenant: TenantRecord, name: string): Promise<Mutation<TenantDomain>> {
    const domain = await this.domains.add(tenant, name);
    return mutation(domain, { action: 'domain.add', ...this.target(tenant, name), changes: { state: { from: null, to: 'pending' } } });
  }

  async verify(tenant: TenantRecord, name: string): Promise<Mutation<TenantDomain>> {
    const { domain, verified } = await this.domains.check(tenant, name);
    if (verified) await this.rewriteRoute(tenant);
    return mutation(domain, {
      action: 'domain.verify',
      ...this.target(tenant, name),
      changes: verified ? { state: { from: 'pending', to: 'verified' } } : {},
      reason: domain.lastError,
    });
  }

  async remove(tenant: TenantRecord, name: string): Promise<Mutation<TenantDomain>> {
    const domain = await this.domains.remove(tenant, name);
    if (domain.state === 'verified') await this.rewriteRoute(tenant);
    return mutation(domain, { action: 'domain.remove', ...this.target(tenant, name), changes: { state: { from: domain.state, to: 'removed' } } });
  }

  private async rewriteRoute(tenant: TenantRecord): Promise<void> {
    await this.provisioner.converge(tenant, { only: ['route'], expected: true });
  }

  private target(tenant: TenantRecord, name: string) {
    return { ...tenantTarget(tenant), target: { type: 'domain', id: name } };
  }
}
