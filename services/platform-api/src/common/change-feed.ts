import type { LiveEventType } from '@tessera/contracts';

/** A change worth showing live: which tenant, what part of it, what happened. */
export interface Change {
  type: LiveEventType;
  tenantId: string;
  change: string;
  state?: string;
  /** Makes the event unique: a second publish of the same key is one event (engine events seen by several processes). */
  key?: string;
}

/**
 * Where features say that something changed, for the live event stream.
 * A port: the events feature binds it (to the database, so every API process
 * sees every change); features import only this.
 */
export abstract class ChangeFeed {
  /** Records the change; never throws (a lost live event must not fail the work that caused it). */
  abstract publish(change: Change): Promise<void>;
}
