import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { NodeDnsTxtRecords } from '../integrations/dns/node-dns.adapter';
import { TxtRecords } from '../integrations/dns/txt-records.port';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { CustomDomains } from './custom-domains.service';
import { TenantDomainClaim, TenantDomainClaimSchema } from './domain.schema';
import { DomainsRepository } from './domains.repository';

/** Custom domains and their proof, for provisioning (reconcile checks pending ones) and the tenant routes. */
@Module({
  imports: [MongooseModule.forFeature([{ name: TenantDomainClaim.name, schema: TenantDomainClaimSchema }]), TenantsDataModule],
  providers: [DomainsRepository, CustomDomains, { provide: TxtRecords, useClass: NodeDnsTxtRecords }],
  exports: [CustomDomains],
})
export class DomainsModule {}
