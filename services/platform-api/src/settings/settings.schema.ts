import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/** The platform's settings: one document, `_id: 'platform'`. */
@Schema({ collection: 'settings', timestamps: true })
export class PlatformSettings {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true, default: false })
  signupApproval: boolean;

  createdAt: Date;
  updatedAt: Date;
}

export type PlatformSettingsDocument = HydratedDocument<PlatformSettings>;
export const PlatformSettingsSchema = SchemaFactory.createForClass(PlatformSettings);

/** The settings as the rest of the API sees them. */
export interface PlatformSettingsRecord {
  signupApproval: boolean;
  updatedAt: Date;
}
