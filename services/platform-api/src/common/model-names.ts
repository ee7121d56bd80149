/**
 * The names the models are registered under (DatabaseModule). Code that
 * reads a collection without owning its feature (the AccessRepository)
 * injects the model by this name instead of importing the feature's schema.
 */
export const MODEL = {
  tenant: 'Tenant',
  membership: 'Membership',
  partner: 'Partner',
  partnerMembership: 'PartnerMembership',
  supportGrant: 'SupportGrant',
  user: 'User',
  subscription: 'Subscription',
  flag: 'FeatureFlag',
  auditEvent: 'AuditEvent',
  settings: 'PlatformSettings',
  edgeTicketUse: 'EdgeTicketUse',
  domainClaim: 'TenantDomainClaim',
  liveEvent: 'LiveEvent',
  plan: 'CatalogPlan',
  incident: 'Incident',
  incidentWatch: 'IncidentWatch',
  tenantBackup: 'TenantBackup',
  notification: 'Notification',
  notificationDelivery: 'NotificationDelivery',
  webhookEndpoint: 'WebhookEndpoint',
  notificationPreference: 'NotificationPreference',
} as const;
