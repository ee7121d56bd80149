import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { LiveEventType } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

/**
 * One change, for the live event stream. Not a record of the platform (the
 * audit trail is): events are kept for LIVE_EVENTS_RETENTION_HOURS, long
 * enough for any reconnect to resume, then removed.
 */
@Schema({ collection: 'live_events', versionKey: false })
export class LiveEventRow {
  @Prop({ type: Date, required: true })
  at: Date;

  @Prop({ type: String, required: true })
  type: LiveEventType;

  @Prop({ type: Types.ObjectId, required: true })
  tenantId: Types.ObjectId;

  @Prop({ required: true })
  tenantSlug: string;

  @Prop({ required: true })
  change: string;

  @Prop({ type: String, default: null })
  state: string | null;

  /** Unique: the same change published by several processes is stored once. */
  @Prop({ required: true })
  key: string;
}

export type LiveEventDocument = HydratedDocument<LiveEventRow>;
export const LiveEventSchema = SchemaFactory.createForClass(LiveEventRow);

/** An event as the rest of the API sees it. */
export interface LiveEventRecord {
  id: string;
  at: Date;
  type: LiveEventType;
  tenantId: string;
  tenantSlug: string;
  change: string;
  state: string | null;
}

// Serves the pollers and resumes: events newer than a time, oldest first.
LiveEventSchema.index({ at: 1 });
// Makes a change published twice (an engine event every process saw) one event.
LiveEventSchema.index({ key: 1 }, { unique: true });
