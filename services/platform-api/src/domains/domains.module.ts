import { Module } from '@nestjs/common';
import { DomainsController } from './domains.controller';
import { DomainsService } from './domains.service';

/**
 * The custom-domain routes. CustomDomains itself (the proof, the claims)
 * comes with the ProvisioningModule, whose reconcile checks pending domains.
 */
@Module({
  controllers: [DomainsController],
  providers: [DomainsService],
})
export class DomainsModule {}
