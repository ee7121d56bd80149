import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { MembershipsModule } from '../memberships/memberships.module';
import { PartnersDataModule } from '../partners/partners-data.module';
import { SupportDataModule } from '../support/support-data.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { ActorService } from './actor.service';
import { MutationThrottlerGuard } from './mutation-throttler.guard';
import { TokenVerifier } from './token-verifier';

@Module({
  imports: [
    UsersModule,
    MembershipsModule,
    TenantsDataModule,
    PartnersDataModule,
    SupportDataModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => [{ name: 'default', ttl: 60_000, limit: config.rateLimit.mutationsPerMinute }],
    }),
  ],
  providers: [
    TokenVerifier,
    ActorService,
    // Order matters: the AccessGuard resolves the actor the throttler keys on.
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: MutationThrottlerGuard },
  ],
  exports: [TokenVerifier],
})
export class AuthModule {}
