import { Global, Module } from '@nestjs/common';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AuditEventSchema } from '../audit/audit-event.schema';
import { AuditNamesRepository } from '../audit/audit-names.repository';
import { AuditRepository } from '../audit/audit.repository';
import { TenantDomainClaimSchema } from '../domains/domain.schema';
import { DomainsRepository } from '../domains/domains.repository';
import { EdgeTicketUseSchema } from '../edge/edge-ticket-use.schema';
import { LiveEventSchema } from '../events/live-event.schema';
import { LiveEventsRepository } from '../events/live-events.repository';
import { EdgeTicketUsesRepository } from '../edge/edge-ticket-uses.repository';
import { FeatureFlagSchema } from '../flags/flag.schema';
import { FlagsRepository } from '../flags/flags.repository';
import { MembershipSchema } from '../memberships/membership.schema';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { PartnerMembershipSchema } from '../partners/partner-membership.schema';
import { PartnerMembershipsRepository } from '../partners/partner-memberships.repository';
import { PartnerSchema } from '../partners/partner.schema';
import { PartnersRepository } from '../partners/partners.repository';
import { LogSessionsRepository } from '../logs/log-sessions.repository';
import { LeaseRepository } from '../provisioning/lease.repository';
import { CatalogPlanSchema } from '../plans/plan.schema';
import { PlansRepository } from '../plans/plans.repository';
import { PlatformSettingsSchema } from '../settings/settings.schema';
import { SettingsRepository } from '../settings/settings.repository';
import { SubscriptionSchema } from '../subscriptions/subscription.schema';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import { SupportGrantSchema } from '../support/support-grant.schema';
import { SupportGrantsRepository } from '../support/support-grants.repository';
import { TenantSchema } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UserSchema } from '../users/user.schema';
import { UsersRepository } from '../users/users.repository';
import { UsageRepository } from '../usage/usage.repository';
import { IncidentSchema, IncidentWatchSchema } from '../incidents/incident.schema';
import { IncidentsRepository } from '../incidents/incidents.repository';
import { TenantBackupSchema } from '../backups/backup.schema';
import { BackupsRepository } from '../backups/backups.repository';
import { NotificationDeliverySchema, NotificationPreferenceSchema, NotificationSchema, WebhookEndpointSchema } from '../notifications/notification.schema';
import { NotificationPreferencesRepository, NotificationsRepository, WebhookEndpointsRepository } from '../notifications/notifications.repository';
import { EDGE_ROUTE_MODELS, EdgeRouteSchema, EdgeRouteVersionSchema } from '../integrations/edge/edge-route.schema';
import { EdgeRoutesRepository } from '../integrations/edge/edge-routes.repository';
import { PlatformBackupRunSchema } from '../platform-backup/platform-backup-run.schema';
import { PLATFORM_BACKUP_RUN_MODEL, PlatformBackupRunsRepository } from '../platform-backup/platform-backup-runs.repository';
import { PlatformDatabaseRepository } from '../platform-backup/platform-backup.repository';
import { DatabaseProbe } from './database.probe';
import { MODEL } from '../common/model-names';

const REPOSITORIES = [
  AuditNamesRepository,
  AuditRepository,
  BackupsRepository,
  DomainsRepository,
  EdgeRoutesRepository,
  EdgeTicketUsesRepository,
  FlagsRepository,
  IncidentsRepository,
  LeaseRepository,
  LiveEventsRepository,
  LogSessionsRepository,
  MembershipsRepository,
  NotificationPreferencesRepository,
  NotificationsRepository,
  PartnerMembershipsRepository,
  PartnersRepository,
  PlansRepository,
  PlatformBackupRunsRepository,
  SettingsRepository,
  SubscriptionsRepository,
  SupportGrantsRepository,
  TenantsRepository,
  UsageRepository,
  UsersRepository,
  WebhookEndpointsRepository,
];

/**
 * Every collection and its repository, registered once. Features inject the
 * repositories they read; none of them needs a module of its own for its
 * data, so no module exists only to break an import cycle.
 */
@Global()
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: MODEL.auditEvent, schema: AuditEventSchema },
      { name: MODEL.tenantBackup, schema: TenantBackupSchema },
      { name: MODEL.domainClaim, schema: TenantDomainClaimSchema },
      { name: EDGE_ROUTE_MODELS.route, schema: EdgeRouteSchema },
      { name: EDGE_ROUTE_MODELS.version, schema: EdgeRouteVersionSchema },
      { name: MODEL.edgeTicketUse, schema: EdgeTicketUseSchema },
      { name: MODEL.flag, schema: FeatureFlagSchema },
      { name: MODEL.incident, schema: IncidentSchema },
      { name: MODEL.incidentWatch, schema: IncidentWatchSchema },
      { name: MODEL.liveEvent, schema: LiveEventSchema },
      { name: MODEL.membership, schema: MembershipSchema },
      { name: MODEL.notification, schema: NotificationSchema },
      { name: MODEL.notificationDelivery, schema: NotificationDeliverySchema },
      { name: MODEL.notificationPreference, schema: NotificationPreferenceSchema },
      { name: MODEL.partnerMembership, schema: PartnerMembershipSchema },
      { name: MODEL.partner, schema: PartnerSchema },
      { name: MODEL.plan, schema: CatalogPlanSchema },
      { name: PLATFORM_BACKUP_RUN_MODEL, schema: PlatformBackupRunSchema },
      { name: MODEL.settings, schema: PlatformSettingsSchema },
      { name: MODEL.subscription, schema: SubscriptionSchema },
      { name: MODEL.supportGrant, schema: SupportGrantSchema },
      { name: MODEL.tenant, schema: TenantSchema },
      { name: MODEL.user, schema: UserSchema },
      { name: MODEL.webhookEndpoint, schema: WebhookEndpointSchema },
    ]),
  ],
  providers: [
    ...REPOSITORIES,
    DatabaseProbe,
    // The whole database, as the platform backup reads and restores it (the driver's Db, not a model).
    { provide: PlatformDatabaseRepository, inject: [getConnectionToken()], useFactory: (connection: Connection) => new PlatformDatabaseRepository(connection.db!) },
  ],
  exports: [MongooseModule, ...REPOSITORIES, DatabaseProbe, PlatformDatabaseRepository],
})
export class DatabaseModule {}
