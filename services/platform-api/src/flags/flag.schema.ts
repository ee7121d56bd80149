import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/** A feature flag. Archived flags are kept (archivedAt), never deleted. */
@Schema({ collection: 'feature_flags', timestamps: true })
export class FeatureFlag {
  @Prop({ required: true })
  key: string;

  @Prop({ required: true, default: '' })
  description: string;

  /** The kill switch. */
  @Prop({ required: true, default: true })
  enabled: boolean;

  @Prop({ required: true, default: false })
  defaultValue: boolean;

  /** Ordered targeting rules, stored as given (the evaluator reads them defensively). */
  @Prop({ type: [Object], default: [] })
  rules: Record<string, unknown>[];

  @Prop({ required: true })
  owner: string;

  @Prop({ type: Date, default: null })
  expiresAt: Date | null;

  @Prop({ type: Date, default: null })
  archivedAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type FeatureFlagDocument = HydratedDocument<FeatureFlag>;
export const FeatureFlagSchema = SchemaFactory.createForClass(FeatureFlag);

/** A flag as the rest of the API sees it: plain data. */
export interface FeatureFlagRecord {
  key: string;
  description: string;
  enabled: boolean;
  defaultValue: boolean;
  rules: Record<string, unknown>[];
  owner: string;
  expiresAt: Date | null;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

// Serves /flags/:key and keeps keys unique.
FeatureFlagSchema.index({ key: 1 }, { unique: true });
