import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { SeedService } from './seed.service';

@Module({ imports: [TenantsDataModule, SubscriptionsModule, AuditModule, ProvisioningModule], providers: [SeedService] })
export class SeedModule {}
