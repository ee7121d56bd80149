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
