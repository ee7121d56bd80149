import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { IdentityModule } from '../integrations/identity/identity.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { HealthController } from './health.controller';
import { SystemHealthController } from './system-health.controller';
import { SystemHealthService } from './system-health.service';

@Module({
  imports: [TerminusModule, IdentityModule, ProvisioningModule],
  controllers: [HealthController, SystemHealthController],
  providers: [SystemHealthService],
})
export class HealthModule {}
