import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { AccessRepository } from './access.repository';
import { ActorService } from './actor.service';
import { MutationThrottlerGuard } from './mutation-throttler.guard';
import { TokenVerifier } from './token-verifier';

@Module({
  imports: [
    UsersModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => [{ name: 'default', ttl: 60_000, limit: config.rateLimit.mutationsPerMinute }],
    }),
  ],
  providers: [
    TokenVerifier,
    ActorService,
    AccessRepository,
    // Order matters: the AccessGuard resolves the actor the throttler keys on.
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: MutationThrottlerGuard },
  ],
  exports: [TokenVerifier, AccessRepository],
})
export class AuthModule {}
