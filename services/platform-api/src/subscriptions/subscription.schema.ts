import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { PLANS, SUBSCRIPTION_STATUSES, type Plan, type SubscriptionStatus } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

/** One per tenant. MRR is computed from these at query time, never stored. */
@Schema({ collection: 'subscriptions', timestamps: true })
export class Subscription {
  @Prop({ type: Types.ObjectId, required: true })
  tenantId: Types.ObjectId;

  /** The tenant's partner, copied here so a partner's MRR is one query (FerretDB has no $lookup). */
  @Prop({ type: Types.ObjectId, default: null })
  partnerId: Types.ObjectId | null;

  @Prop({ type: String, required: true, enum: PLANS })
  plan: Plan;

  @Prop({ type: String, required: true, enum: SUBSCRIPTION_STATUSES })
  status: SubscriptionStatus;

  /** Minor units (cents) of `currency` per month. */
  @Prop({ required: true, min: 0 })
  monthlyPrice: number;

  @Prop({ required: true })
  currency: string;

  /** When a trial ends (set when a paid plan opens on trial); null: no trial. */
  @Prop({ type: Date, default: null })
  trialEndsAt: Date | null;

  /** Whether the tenant is suspended, copied here (as the partner is) so MRR leaves it out in one query. */
  @Prop({ type: Boolean, default: false })
  tenantSuspended: boolean;

  @Prop({ type: String, default: null })
  externalCustomerId: string | null;

  @Prop({ type: String, default: null })
  externalSubscriptionId: string | null;

  createdAt: Date;
  updatedAt: Date;
}

export type SubscriptionDocument = HydratedDocument<Subscription>;
export const SubscriptionSchema = SchemaFactory.createForClass(Subscription);

/** A subscription as the rest of the API sees it: plain data, ids as strings. */
export interface SubscriptionRecord {
  id: string;
  tenantId: string;
  partnerId: string | null;
  plan: Plan;
  status: SubscriptionStatus;
  monthlyPrice: number;
  currency: string;
  trialEndsAt: Date | null;
  tenantSuspended: boolean;
  externalCustomerId: string | null;
  externalSubscriptionId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

// Serves subscriptions.findOne({ tenantId }) and keeps it one per tenant.
SubscriptionSchema.index({ tenantId: 1 }, { unique: true });
// Serves MRR and past-due lists: subscriptions.find({ status }).
SubscriptionSchema.index({ status: 1 });
// Serves partners' MRR and past-due alerts: subscriptions.aggregate([{ $match: { partnerId: { $in }, status } }, ...]).
// (The MRR breakdown groups every subscription: a scan of one small document per tenant.)
SubscriptionSchema.index({ partnerId: 1, status: 1 });
