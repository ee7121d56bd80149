import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { TenantsModule } from '../tenants/tenants.module';
import { SeedService } from './seed.service';

@Module({ imports: [TenantsModule, SubscriptionsModule, AuditModule], providers: [SeedService] })
export class SeedModule {}
