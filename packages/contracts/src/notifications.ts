/**
 * What Tessera tells people about. Each kind goes to the people it concerns:
 * operators for platform events, a tenant's owners for their tenant, a
 * partner's admins for their customers. A person can turn each kind off,
 * except the security kinds.
 */
export const NOTIFICATION_KINDS = [
  'signup.pending',
  'signup.approved',
  'signup.rejected',
  'provisioning.failed',
  'workspace.down',
  'workspace.wake_failed',
  'backup.failed',
  'support.requested',
  'support.approved',
  'support.expired',
  'billing.past_due',
  'tenant.suspended',
  'incident.opened',
  'incident.resolved',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Kinds nobody can turn off: someone is being given access to a tenant's data. */
export const SECURITY_NOTIFICATION_KINDS: readonly NotificationKind[] = ['support.requested', 'support.approved', 'support.expired'];

/** Who hears of each kind, besides a tenant's owners (and its partner's admins) for a notice about a tenant. */
export const OPERATOR_NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'signup.pending',
  'provisioning.failed',
  'workspace.down',
  'workspace.wake_failed',
  'backup.failed',
  'incident.opened',
  'incident.resolved',
];

/** What each kind is about, in words, for the settings pages. */
export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
  'signup.pending': 'A sign-up waits for approval',
  'signup.approved': 'A sign-up was approved',
  'signup.rejected': 'A sign-up was rejected',
  'provisioning.failed': 'Setting up a workspace left a step in error',
  'workspace.down': 'A workspace went down',
  'workspace.wake_failed': 'A sleeping workspace did not wake',
  'backup.failed': 'A backup failed',
  'support.requested': 'Support access was requested',
  'support.approved': 'Support access was approved',
  'support.expired': 'Support access ended',
  'billing.past_due': 'A subscription is past due',
  'tenant.suspended': 'A workspace was suspended',
  'incident.opened': 'An incident opened',
  'incident.resolved': 'An incident was resolved',
};

/** The channels a person chooses for themselves. Webhooks belong to a tenant, a partner or the platform, and choose their kinds on the endpoint. */
export const PERSONAL_NOTIFICATION_CHANNELS = ['email'] as const;
export type PersonalNotificationChannel = (typeof PERSONAL_NOTIFICATION_CHANNELS)[number];

/** One kind on one channel, for the caller (GET/PUT /users/me/notification-preferences). */
export interface NotificationPreference {
  kind: NotificationKind;
  channel: PersonalNotificationChannel;
  enabled: boolean;
  /** A security kind: it cannot be turned off. */
  locked: boolean;
}

export interface NotificationPreferences {
  items: NotificationPreference[];
}

/** Whose a webhook endpoint is: a tenant's (owners), a partner's (admins) or the platform's (operators). */
export type WebhookScope = 'tenant' | 'partner' | 'platform';

export interface WebhookEndpoint {
  id: string;
  scope: WebhookScope;
  url: string;
  description: string;
  /** The kinds sent to it; empty: every kind its scope hears of. */
  kinds: NotificationKind[];
  /** Never hard-deleted: a disabled endpoint receives nothing and keeps its deliveries. */
  disabledAt: string | null;
  createdAt: string;
  /** When its signing secret was last replaced; null: never. */
  secretRotatedAt: string | null;
  /** Until then each delivery is signed with the replaced secret too (a second `v1=`); null when it is not. */
  previousSecretUntil: string | null;
}

/** How long a replaced signing secret still signs deliveries, beside the new one: receivers move to the new secret meanwhile. */
export const WEBHOOK_PREVIOUS_SECRET_HOURS = 24;

/** The answer to creating an endpoint or rotating its secret: the only time its signing secret is shown. */
export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  secret: string;
}

export const DELIVERY_STATES = ['pending', 'sent', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One webhook delivery: what was sent, and what the receiver answered. */
/** One attempt of a delivery, as the receiver answered it. */
export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status (null: no answer). */
  status: number | null;
  /** The start of the receiver's answer, or why there was none. */
  answer: string | null;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  kind: NotificationKind;
  subject: string;
  state: DeliveryState;
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  /** The receiver's HTTP status at the last attempt (null: no answer). */
  lastStatus: number | null;
  /** The start of the receiver's answer, or why there was none. */
  lastResponse: string | null;
  /** Every attempt's answer, oldest first (at most NOTIFICATIONS_MAX_ATTEMPTS). */
  answers: DeliveryAttempt[];
  createdAt: string;
  sentAt: string | null;
}
