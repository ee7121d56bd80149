/**
 * What the live event stream (GET /events/stream, server-sent events) carries:
 * a change to a tenant, its provisioning steps or its workspace, as it
 * happens. An event names what changed; a page that shows it reads the
 * resource again, so what it shows always comes from the API's reads.
 */
export const LIVE_EVENT_TYPES = ['tenant', 'provisioning', 'workspace'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEvent {
  /** Unique and resumable: send it back as Last-Event-ID to continue after it. */
  id: string;
  type: LiveEventType;
  tenantId: string;
  tenantSlug: string;
  /** What happened, in a word: `stopped`, `started`, `restarted`, `slept`, `woke`, `reconciled`, `suspended`, `updated`, `died`… */
  change: string;
  /** The new state where it is one word (a workspace `running`, a tenant `active`). */
  state?: string;
  at: string;
}
