import { Module } from '@nestjs/common';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { DomainsController } from './domains.controller';
import { DomainsModule } from './domains.module';
import { DomainsService } from './domains.service';

/** The routes of custom domains: a route change follows each verification or removal. */
@Module({
  imports: [DomainsModule, ProvisioningModule],
  controllers: [DomainsController],
  providers: [DomainsService],
})
export class DomainsHttpModule {}
