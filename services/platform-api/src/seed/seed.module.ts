import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { PartnersDataModule } from '../partners/partners-data.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { SeedService } from './seed.service';

@Module({ imports: [TenantsDataModule, PartnersDataModule, SubscriptionsModule, AuditModule, ProvisioningModule], providers: [SeedService] })
export class SeedModule {}
