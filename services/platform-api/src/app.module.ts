import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { Clock } from './common/clock';
import { CommonModule } from './common/common.module';
import { JsonBodyMiddleware } from './common/http/json-body.middleware';
import { RejectOperatorKeysMiddleware } from './common/http/reject-operator-keys.middleware';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { FlagsModule } from './flags/flags.module';
import { HealthModule } from './health/health.module';
import { DatabaseModule } from './database/database.module';
import { IntegrationsModule } from './integrations/integrations.module';
import { PartnersModule } from './partners/partners.module';
import { PlanCatalogModule } from './plans/plan-catalog.module';
import { PlansModule } from './plans/plans.module';
import { SettingsModule } from './settings/settings.module';
import { OverviewModule } from './overview/overview.module';
import { SupportModule } from './support/support.module';
import { EdgeModule } from './edge/edge.module';
import { LiveEventsModule } from './events/live-events.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { SeedModule } from './seed/seed.module';
import { TenantsModule } from './tenants/tenants.module';
import { DomainsModule } from './domains/domains.module';
import { MeModule } from './me/me.module';
import { LogsModule } from './logs/logs.module';
import { UsageModule } from './usage/usage.module';
import { IncidentsModule } from './incidents/incidents.module';
import { NodesModule } from './nodes/nodes.module';
import { PeopleModule } from './people/people.module';
import { PlatformBackupModule } from './platform-backup/platform-backup.module';
import { BackupsModule } from './backups/backups.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OutboxNotifier } from './notifications/outbox-notifier';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Takes the caller's X-Request-Id when it looks like one, else makes one;
 * echoes it in the answer. Decided once per request: the first call keeps it.
 */
export function requestIdOf(request: IncomingMessage & { id?: unknown }, response: ServerResponse): string {
  if (typeof request.id === 'string' && request.id) return request.id;
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  response.setHeader('x-request-id', id);
  request.id = id;
  return id;
}

/** Express middleware: the request id, before any other middleware can answer. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse, next: () => void): void {
  requestIdOf(request, response);
  next();
}

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule.forRoot(clock, OutboxNotifier),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: requestIdOf,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            customProps: (request) => ({ requestId: request.id }),
            // Every Traefik polls its routes every second or so: a poll answered is not worth a log line; a refused or failed one is.
            customLogLevel: (request, response, error) => (request.url === '/edge/routes' && response.statusCode < 400 && !error ? 'silent' : error || response.statusCode >= 500 ? 'error' : 'info'),
          },
        }),
        MongooseModule.forRoot(config.mongodbUri, { serverSelectionTimeoutMS: 5_000 }),
        DatabaseModule,
        PlanCatalogModule,
        PlansModule,
        IntegrationsModule,
        LiveEventsModule,
        ProvisioningModule,
        AuthModule,
        TenantsModule,
        DomainsModule,
        PartnersModule,
        MeModule,
        AuditModule,
        FlagsModule,
        SettingsModule,
        OverviewModule,
        SupportModule,
        EdgeModule,
        LogsModule,
        UsageModule,
        IncidentsModule,
        NodesModule,
        PeopleModule,
        PlatformBackupModule,
        BackupsModule,
        NotificationsModule,
        HealthModule,
        SeedModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware, RejectOperatorKeysMiddleware).forRoutes('*path');
  }
}
