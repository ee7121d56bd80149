import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { PARTNER_ROLES, type PartnerRole } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

/** A user's access level on a partner. Removal sets removedAt; nothing is deleted. */
@Schema({ collection: 'partner_memberships', timestamps: true })
export class PartnerMembership {
  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  partnerId: Types.ObjectId;

  @Prop({ type: String, required: true, enum: PARTNER_ROLES })
  role: PartnerRole;

  @Prop({ type: Date, default: null })
  removedAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type PartnerMembershipDocument = HydratedDocument<PartnerMembership>;
export const PartnerMembershipSchema = SchemaFactory.createForClass(PartnerMembership);

// Serves the per-request access check and keeps one membership per user and partner.
PartnerMembershipSchema.index({ partnerId: 1, userId: 1 }, { unique: true });
// Serves a user's partners (/users/me).
PartnerMembershipSchema.index({ userId: 1 });
