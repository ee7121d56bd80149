/**
 * Incidents: a platform probe failing, or a tenant down, for longer than a
 * threshold. One open incident per cause at a time; it resolves itself when
 * the cause clears, or an operator resolves it with a note.
 */
export const INCIDENT_STATES = ['open', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** `probe`: one of the platform's dependencies (GET /system/health); `tenant`: a tenant's health is down. */
export type IncidentKind = 'probe' | 'tenant';

/** What an operator may do about a tenant's incident from the console. */
/** `restore-last-backup`: the tenant's last backup taken before the incident's cause began failing, restored into its workspace (a backup of the current data first). */
export const INCIDENT_ACTIONS = ['reconcile', 'restart-workspace', 'restore-last-backup'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

export const INCIDENT_ENTRY_TYPES = ['opened', 'notified', 'acknowledged', 'action', 'resolved'] as const;
export type IncidentEntryType = (typeof INCIDENT_ENTRY_TYPES)[number];

/** One line of an incident's timeline, written as a sentence. */
export interface IncidentEntry {
  at: string;
  type: IncidentEntryType;
  /** Who: the platform itself, or an operator (named for operators; null for a tenant's people). */
  by: { kind: 'system' | 'operator'; name: string | null };
  text: string;
  /** For `action`: which, and whether it worked. */
  action?: IncidentAction;
  outcome?: 'succeeded' | 'failed';
}

export interface Incident {
  id: string;
  kind: IncidentKind;
  /** The cause, unique among open incidents: `probe:<name>` or `tenant:<id>`. */
  cause: string;
  state: IncidentState;
  /** One line, for lists. */
  title: string;
  /** What was seen when it opened, and the latest detail. */
  detail: string;
  /** The probe's name, for probe incidents. */
  probe: string | null;
  tenant: { id: string; slug: string; name: string } | null;
  /** When the cause was first seen failing (before the threshold passed). */
  failingSince: string;
  openedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** `automatic`: the cause cleared; `operator`: resolved by hand with a note. */
  resolution: 'automatic' | 'operator' | null;
  timeline: IncidentEntry[];
}

/** An incident in a list: without its timeline. */
export type IncidentSummary = Omit<Incident, 'timeline'>;
