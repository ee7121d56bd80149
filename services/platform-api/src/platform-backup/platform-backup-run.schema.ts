import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types, type HydratedDocument } from 'mongoose';

/** One platform database backup, as it ended: written once, when it has succeeded or failed. */
@Schema({ collection: 'platform_backup_runs', timestamps: false })
export class PlatformBackupRunRow {
  @Prop({ type: String, required: true, enum: ['schedule', 'operator'] })
  trigger: 'schedule' | 'operator';

  @Prop({ type: String, required: true, enum: ['succeeded', 'failed'] })
  result: 'succeeded' | 'failed';

  @Prop({ type: Date, required: true })
  startedAt: Date;

  @Prop({ type: Date, required: true })
  finishedAt: Date;

  @Prop({ required: true })
  durationMs: number;

  @Prop({ type: String, default: null })
  name: string | null;

  @Prop({ type: Number, default: null })
  sizeBytes: number | null;

  @Prop({ type: Number, default: null })
  collections: number | null;

  @Prop({ type: Number, default: null })
  documents: number | null;

  @Prop({ type: String, default: null })
  error: string | null;

  @Prop({ type: Types.ObjectId, default: null })
  startedBy: Types.ObjectId | null;
}

export type PlatformBackupRunDocument = HydratedDocument<PlatformBackupRunRow>;
export const PlatformBackupRunSchema = SchemaFactory.createForClass(PlatformBackupRunRow);

export interface PlatformBackupRunRecord {
  id: string;
  trigger: 'schedule' | 'operator';
  result: 'succeeded' | 'failed';
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  name: string | null;
  sizeBytes: number | null;
  collections: number | null;
  documents: number | null;
  error: string | null;
  startedBy: string | null;
}

// The list, newest first, and the schedule's "when was the last run": find().sort({ startedAt: -1 }).
PlatformBackupRunSchema.index({ startedAt: -1 });
