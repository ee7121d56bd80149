import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { PARTNER_STATUSES, type PartnerStatus } from '@tessera/contracts';
import type { HydratedDocument } from 'mongoose';

@Schema({ _id: false })
export class PartnerContactRecord {
  @Prop({ type: String, default: null }) name: string | null;
  @Prop({ type: String, default: null }) email: string | null;
  @Prop({ type: String, default: null }) phone: string | null;
}

@Schema({ _id: false })
export class PartnerBillingRecord {
  @Prop({ type: String, default: null }) company: string | null;
  @Prop({ type: String, default: null }) address: string | null;
  @Prop({ type: String, default: null }) vatId: string | null;
  @Prop({ type: String, default: null }) email: string | null;
}

@Schema({ _id: false })
export class BrandingRecord {
  @Prop({ type: String, default: null }) displayName: string | null;
  @Prop({ type: String, default: null }) logoUrl: string | null;
  @Prop({ type: String, default: null }) primaryColor: string | null;
  @Prop({ type: String, default: null }) accentColor: string | null;
  @Prop({ type: String, default: null }) supportUrl: string | null;
}

/** A reseller. Terminating one sets its status; its tenants keep their reference. */
@Schema({ collection: 'partners', timestamps: true })
export class Partner {
  @Prop({ required: true })
  slug: string;

  @Prop({ required: true })
  name: string;

  @Prop({ type: String, required: true, enum: PARTNER_STATUSES, default: 'active' })
  status: PartnerStatus;

  /** The partner's share of its customers' gross MRR, in percent. */
  @Prop({ required: true, min: 0, max: 100, default: 0 })
  marginPct: number;

  @Prop({ type: SchemaFactory.createForClass(PartnerContactRecord), default: () => ({}) })
  contact: PartnerContactRecord;

  @Prop({ type: SchemaFactory.createForClass(PartnerBillingRecord), default: () => ({}) })
  billing: PartnerBillingRecord;

  @Prop({ type: String, default: null })
  notificationEmail: string | null;

  @Prop({ type: SchemaFactory.createForClass(BrandingRecord), default: () => ({}) })
  branding: BrandingRecord;

  createdAt: Date;
  updatedAt: Date;
}

export type PartnerDocument = HydratedDocument<Partner>;
export const PartnerSchema = SchemaFactory.createForClass(Partner);

/** A partner as the rest of the API sees it: plain data, the id as a string. */
export interface PartnerRecord {
  id: string;
  slug: string;
  name: string;
  status: PartnerStatus;
  marginPct: number;
  contact: PartnerContactRecord;
  billing: PartnerBillingRecord;
  notificationEmail: string | null;
  branding: BrandingRecord;
  createdAt: Date;
  updatedAt: Date;
}

// Serves every `/partners/:partner` lookup and enforces one partner per slug.
PartnerSchema.index({ slug: 1 }, { unique: true });
// Serves the operators' list filtered by status, newest first.
PartnerSchema.index({ status: 1, createdAt: -1 });
