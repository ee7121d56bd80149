import { Injectable } from '@nestjs/common';
import type { TenantDomain } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import { ReconcileService } from '../provisioning/reconcile.service';
import type { TenantDocument } from '../tenants/tenant.schema';
import { auditTarget } from '../tenants/tenants.service';
import { CustomDomains } from './custom-domains.service';

/** The custom-domain routes: add, check, remove; a route change follows at once. */
@Injectable()
export class DomainsService {
  constructor(
    private readonly domains: CustomDomains,
    private readonly reconcile: ReconcileService,
  ) {}

  list(tenant: TenantDocument): Promise<TenantDomain[]> {
    return this.domains.list(tenant);
  }

  async add(tenant: TenantDocument, name: string): Promise<Mutation<TenantDomain>> {
    const domain = await this.domains.add(tenant, name);
    return mutation(domain, { action: 'domain.add', ...this.target(tenant, name), changes: { state: { from: null, to: 'pending' } } });
  }

  async verify(tenant: TenantDocument, name: string): Promise<Mutation<TenantDomain>> {
    const { domain, verified } = await this.domains.check(tenant, name);
    if (verified) await this.rewriteRoute(tenant);
    return mutation(domain, {
      action: 'domain.verify',
      ...this.target(tenant, name),
      changes: verified ? { state: { from: 'pending', to: 'verified' } } : {},
      reason: domain.lastError,
    });
  }

  async remove(tenant: TenantDocument, name: string): Promise<Mutation<TenantDomain>> {
    const domain = await this.domains.remove(tenant, name);
    if (domain.state === 'verified') await this.rewriteRoute(tenant);
    return mutation(domain, { action: 'domain.remove', ...this.target(tenant, name), changes: { state: { from: domain.state, to: 'removed' } } });
  }

  private async rewriteRoute(tenant: TenantDocument): Promise<void> {
    await this.reconcile.reconcile(tenant, { wait: true, only: ['route'], expected: true });
  }

  private target(tenant: TenantDocument, name: string) {
    return { ...auditTarget(tenant), target: { type: 'domain', id: name } };
  }
}
