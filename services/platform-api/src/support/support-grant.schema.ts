import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types, type HydratedDocument } from 'mongoose';

/** An operator's request for support access to a tenant and the owner's decision. Kept for good: the audit refers to it. */
@Schema({ collection: 'support_grants', timestamps: true })
export class SupportGrant {
  @Prop({ type: Types.ObjectId, required: true })
  tenantId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  operatorUserId: Types.ObjectId;

  @Prop({ required: true })
  reason: string;

  @Prop({ type: String, required: true, enum: ['pending', 'approved', 'denied', 'revoked'], default: 'pending' })
  status: 'pending' | 'approved' | 'denied' | 'revoked';

  @Prop({ type: Date, default: null })
  decidedAt: Date | null;

  @Prop({ type: Types.ObjectId, default: null })
  decidedBy: Types.ObjectId | null;

  @Prop({ type: Date, default: null })
  expiresAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type SupportGrantDocument = HydratedDocument<SupportGrant>;
export const SupportGrantSchema = SchemaFactory.createForClass(SupportGrant);

export type SupportGrantStatus = SupportGrant['status'];

/** A grant as the rest of the API sees it: plain data, ids as strings. */
export interface SupportGrantRecord {
  id: string;
  tenantId: string;
  operatorUserId: string;
  reason: string;
  status: SupportGrantStatus;
  decidedAt: Date | null;
  decidedBy: string | null;
  expiresAt: Date | null;
  createdAt: Date;
}

// Serves the guard's check (an operator's approved grant on a tenant) and a tenant's list.
SupportGrantSchema.index({ tenantId: 1, operatorUserId: 1, status: 1 });
// Serves the expiry sweep: approved grants that ran out within a window.
SupportGrantSchema.index({ status: 1, expiresAt: 1 });
