/**
 * Every status the platform reports, as a word and a colour for people. One
 * table per kind, so `active` can be green for a tenant and `approved` green
 * for a grant, and no raw enum (`past_due`) ever reaches the screen.
 */
export type StatusColor = 'success' | 'warning' | 'error' | 'info' | 'neutral' | 'primary';
export interface StatusLook {
  label: string;
  color: StatusColor;
  icon: string;
}

const look = (label: string, color: StatusColor, icon: string): StatusLook => ({ label, color, icon });
const OK = 'i-lucide-circle-check';
const WAIT = 'i-lucide-clock';
const BAD = 'i-lucide-circle-alert';
const OFF = 'i-lucide-circle-pause';
const END = 'i-lucide-circle-slash';
const SKIP = 'i-lucide-circle-dashed';

export const STATUS_LOOKS = {
  tenant: {
    pending: look('Setting up', 'info', WAIT),
    active: look('Active', 'success', OK),
    sleeping: look('Asleep', 'neutral', 'i-lucide-moon'),
    suspended: look('Suspended', 'warning', OFF),
    terminated: look('Terminated', 'neutral', END),
  },
  partner: {
    active: look('Active', 'success', OK),
    suspended: look('Suspended', 'warning', OFF),
    terminated: look('Terminated', 'neutral', END),
  },
  subscription: {
    trialing: look('Trial', 'info', WAIT),
    active: look('Paid up', 'success', OK),
    past_due: look('Past due', 'error', BAD),
    canceled: look('Cancelled', 'neutral', END),
  },
  step: {
    pending: look('In progress', 'info', WAIT),
    ok: look('Done', 'success', OK),
    skipped: look('Not used', 'neutral', SKIP),
    error: look('Failed', 'error', BAD),
  },
  health: {
    healthy: look('Healthy', 'success', OK),
    degraded: look('Degraded', 'warning', BAD),
    stopped: look('Stopped', 'neutral', OFF),
    down: look('Down', 'error', BAD),
    suspended: look('Suspended', 'warning', OFF),
  },
  probe: {
    up: look('Up', 'success', OK),
    degraded: look('Degraded', 'warning', BAD),
    down: look('Down', 'error', BAD),
    skipped: look('Not set up', 'neutral', SKIP),
  },
  workspace: {
    running: look('Running', 'success', OK),
    stopped: look('Stopped', 'warning', OFF),
    sleeping: look('Asleep', 'neutral', 'i-lucide-moon'),
    missing: look('Missing', 'error', BAD),
    unknown: look('Unknown', 'neutral', 'i-lucide-circle-help'),
  },
  domain: {
    pending: look('Waiting for its DNS record', 'info', WAIT),
    verified: look('Verified', 'success', OK),
  },
  approval: {
    pending: look('Waiting for approval', 'info', WAIT),
    approved: look('Approved', 'success', OK),
    rejected: look('Declined', 'error', END),
  },
  grant: {
    pending: look('Requested', 'info', WAIT),
    approved: look('Active', 'success', OK),
    denied: look('Denied', 'neutral', END),
    revoked: look('Ended', 'neutral', END),
    expired: look('Expired', 'neutral', END),
  },
  flag: {
    on: look('On', 'success', OK),
    off: look('Off for everyone', 'error', OFF),
    archived: look('Archived', 'neutral', 'i-lucide-archive'),
    stale: look('Stale', 'warning', WAIT),
  },
  mfa: {
    on: look('On', 'success', 'i-lucide-shield-check'),
    off: look('Off', 'warning', 'i-lucide-shield-alert'),
    unknown: look('Unknown', 'neutral', 'i-lucide-shield-question'),
  },
  member: {
    active: look('Member', 'success', OK),
    invited: look('Invited', 'info', 'i-lucide-mail'),
  },
  node: {
    ready: look('Ready', 'success', OK),
    down: look('Down', 'error', BAD),
    disconnected: look('Disconnected', 'error', BAD),
    unknown: look('Unknown', 'neutral', 'i-lucide-circle-help'),
  },
  availability: {
    active: look('Takes new workspaces', 'success', OK),
    cordoned: look('Cordoned', 'warning', 'i-lucide-ban'),
    drained: look('Drained', 'error', OFF),
  },
  delivery: {
    pending: look('Retrying', 'warning', WAIT),
    sent: look('Delivered', 'success', OK),
    failed: look('Failed', 'error', BAD),
  },
  webhook: {
    enabled: look('Enabled', 'success', OK),
    disabled: look('Disabled', 'neutral', OFF),
  },
} as const satisfies Record<string, Record<string, StatusLook>>;

export type StatusKind = keyof typeof STATUS_LOOKS;

/** The word and colour of one status; an unknown value is shown as words, in grey. */
export function statusLook(kind: StatusKind, value: string | null | undefined): StatusLook {
  if (!value) return look('Unknown', 'neutral', 'i-lucide-circle-help');
  const table = STATUS_LOOKS[kind] as Record<string, StatusLook>;
  return table[value] ?? look(words(value), 'neutral', 'i-lucide-circle');
}

/** "past_due" → "Past due", "tenant.suspend" → "Tenant suspend": never an identifier on screen. */
export function words(value: string): string {
  const text = value.replace(/[._-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** Names for the platform's fixed lists: plans, roles, provisioning steps. */
export const PLAN_LABELS: Record<string, string> = { free: 'Free', starter: 'Starter', business: 'Business', enterprise: 'Enterprise' };
export const ROLE_LABELS: Record<string, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
/** What the actor of an audit event is (AuditActorRole). */
export const ACTOR_ROLE_LABELS: Record<string, string> = {
  operator: 'Operator',
  'partner-admin': 'Partner admin',
  'partner-member': 'Partner team',
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  person: 'Person',
  ci: 'CI',
  system: 'Platform',
};
export const STEP_LABELS: Record<string, string> = { identity: 'Sign-in group', workspace: 'Workspace', route: 'Web address', mail: 'Mail domain', files: 'File space' };
export const labelOf = (labels: Record<string, string>, value: string) => labels[value] ?? words(value);
/** Items for a USelect from a fixed list. */
export const optionsOf = (values: readonly string[], labels: Record<string, string>) => values.map((value) => ({ label: labelOf(labels, value), value }));
