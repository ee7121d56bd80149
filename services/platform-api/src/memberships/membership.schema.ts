import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { TENANT_ROLES, type TenantRole } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

/** A user's role on a tenant. Removal sets removedAt; nothing is deleted. */
@Schema({ collection: 'memberships', timestamps: true })
export class Membership {
  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  tenantId: Types.ObjectId;

  @Prop({ type: String, required: true, enum: TENANT_ROLES })
  role: TenantRole;

  @Prop({ type: Date, default: null })
  removedAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type MembershipDocument = HydratedDocument<Membership>;
export const MembershipSchema = SchemaFactory.createForClass(Membership);

// Serves the per-request access check: memberships.findOne({ tenantId, userId, removedAt: null }),
// and makes a user's membership of a tenant unique (a removed one is revived, not duplicated).
MembershipSchema.index({ tenantId: 1, userId: 1 }, { unique: true });
// Serves "my tenants": memberships.find({ userId, removedAt: null }).
MembershipSchema.index({ userId: 1 });
