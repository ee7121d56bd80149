import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { IncidentAction, IncidentEntryType, IncidentKind, IncidentState } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

/** One line of the timeline, stored as written. */
export interface IncidentEntryRecord {
  at: Date;
  type: IncidentEntryType;
  by: { kind: 'system' | 'operator'; userId: string | null };
  text: string;
  action?: IncidentAction;
  outcome?: 'succeeded' | 'failed';
}

/**
 * A probe failing or a tenant down for longer than its threshold. Kept for
 * good once resolved: the history is what operators read afterwards.
 */
@Schema({ collection: 'incidents', timestamps: true })
export class Incident {
  @Prop({ type: String, required: true, enum: ['probe', 'tenant'] })
  kind: IncidentKind;

  /** `probe:<name>` or `tenant:<id>`. */
  @Prop({ required: true })
  cause: string;

  /**
   * The cause while the incident is open, `<cause>#<id>` once resolved: the
   * unique index on it lets one incident per cause be open, and the insert
   * decides between two passes (FerretDB v1 applies no conditional update atomically).
   */
  @Prop({ required: true })
  slot: string;

  @Prop({ type: String, required: true, enum: ['open', 'resolved'], default: 'open' })
  state: IncidentState;

  @Prop({ required: true })
  title: string;

  @Prop({ required: true })
  detail: string;

  @Prop({ type: String, default: null })
  probe: string | null;

  @Prop({ type: Types.ObjectId, default: null })
  tenantId: Types.ObjectId | null;

  @Prop({ type: Date, required: true })
  failingSince: Date;

  @Prop({ type: Date, required: true })
  openedAt: Date;

  @Prop({ type: Date, default: null })
  acknowledgedAt: Date | null;

  @Prop({ type: Date, default: null })
  resolvedAt: Date | null;

  @Prop({ type: String, default: null })
  resolution: 'automatic' | 'operator' | null;

  @Prop({ type: [Object], default: [] })
  timeline: IncidentEntryRecord[];

  createdAt: Date;
  updatedAt: Date;
}

export type IncidentDocument = HydratedDocument<Incident>;
export const IncidentSchema = SchemaFactory.createForClass(Incident);

export interface IncidentRecord {
  id: string;
  kind: IncidentKind;
  cause: string;
  state: IncidentState;
  title: string;
  detail: string;
  probe: string | null;
  tenantId: string | null;
  failingSince: Date;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  resolution: 'automatic' | 'operator' | null;
  timeline: IncidentEntryRecord[];
}

// One open incident per cause: the open one holds the cause itself here.
IncidentSchema.index({ slot: 1 }, { unique: true });
// The console's lists: by state (open first), newest first; and a tenant's incidents.
IncidentSchema.index({ state: 1, openedAt: -1 });
IncidentSchema.index({ tenantId: 1, openedAt: -1 });

/**
 * Causes seen failing, and since when: a cause becomes an incident once it
 * has failed for longer than its threshold. A cleared cause keeps its row
 * with `since: null` (the next failure starts counting again).
 */
@Schema({ collection: 'incident_watches' })
export class IncidentWatch {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Date, default: null })
  since: Date | null;

  @Prop({ type: Date, required: true })
  checkedAt: Date;
}

export const IncidentWatchSchema = SchemaFactory.createForClass(IncidentWatch);
