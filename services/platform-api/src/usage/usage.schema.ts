import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import type { UsageCounters, UsageResolution } from './usage-math';

/**
 * One point of a workspace's usage: a sample (`raw`), or the averages and
 * peaks of the samples of 5 minutes or an hour. Raw rows also keep the
 * engine's counters, so the next pass can turn them into rates. Written in
 * batches by the sampler, removed after their resolution's retention.
 */
@Schema({ collection: 'workspace_usage', versionKey: false })
export class UsageRow {
  @Prop({ type: Types.ObjectId, required: true })
  tenantId: Types.ObjectId;

  @Prop({ type: String, required: true })
  resolution: UsageResolution;

  /** The pass's time (raw), or the start of the bucket. */
  @Prop({ type: Date, required: true })
  at: Date;

  @Prop({ type: Number, default: null })
  cpuPercent: number | null;

  @Prop({ type: Number, default: null })
  cpuPercentMax: number | null;

  @Prop({ type: Number, required: true })
  memoryBytes: number;

  @Prop({ type: Number, required: true })
  memoryBytesMax: number;

  @Prop({ type: Number, default: null })
  rxBytesPerSecond: number | null;

  @Prop({ type: Number, default: null })
  txBytesPerSecond: number | null;

  @Prop({ type: Number, required: true })
  restarts: number;

  @Prop({ type: Number, required: true })
  samples: number;

  /** Raw rows only: what the engine's counters read, for the next sample's rates. */
  @Prop({ type: Object, default: undefined })
  counters?: Omit<UsageCounters, 'at'>;
}

export const UsageSchema = SchemaFactory.createForClass(UsageRow);

// Serves a workspace's history (one tenant, one resolution, a time range), and
// makes a point written twice (two processes, a pass repeated) one point.
UsageSchema.index({ tenantId: 1, resolution: 1, at: 1 }, { unique: true });
// Serves the passes: the previous pass's counters (raw rows at one time), the
// rows a bucket is made from, the newest bucket made, and retention deletes.
UsageSchema.index({ resolution: 1, at: 1 });
