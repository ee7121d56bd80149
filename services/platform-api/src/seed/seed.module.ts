import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { SeedService } from './seed.service';

@Module({ imports: [SubscriptionsModule, AuditModule], providers: [SeedService] })
export class SeedModule {}
