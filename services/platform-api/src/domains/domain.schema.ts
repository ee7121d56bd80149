import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types, type HydratedDocument } from 'mongoose';

export const DOMAIN_RECORD_STATES = ['pending', 'verified', 'removed'] as const;
export type DomainRecordState = (typeof DOMAIN_RECORD_STATES)[number];

/**
 * A tenant's claim on a custom domain. Kept for good: a removed claim, or
 * one whose tenant was terminated, is marked `removed` and frees the name.
 *
 * Two unique keys carry the rules, so no check-then-write race can break them:
 * - `key` is `<tenantId>:<name>` while the claim is live: a tenant adds a name once;
 * - `owner` is the name itself once verified: one live tenant owns a domain.
 * Otherwise each holds a value unique to the row (`pending:<id>`, `removed:<id>`),
 * so pending claims of the same name by several tenants do not block each other:
 * whoever publishes the record first verifies it.
 */
@Schema({ collection: 'tenant_domains', timestamps: true })
export class TenantDomainClaim {
  @Prop({ required: true })
  name: string;

  @Prop({ type: Types.ObjectId, required: true })
  tenantId: Types.ObjectId;

  @Prop({ type: String, required: true, enum: DOMAIN_RECORD_STATES })
  state: DomainRecordState;

  @Prop({ required: true })
  key: string;

  @Prop({ required: true })
  owner: string;

  /** The value the TXT record must hold. */
  @Prop({ required: true })
  token: string;

  @Prop({ type: Date, default: null })
  verifiedAt: Date | null;

  @Prop({ type: Date, default: null })
  lastCheckedAt: Date | null;

  @Prop({ type: String, default: null })
  lastError: string | null;

  @Prop({ type: Date, default: null })
  removedAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type TenantDomainClaimDocument = HydratedDocument<TenantDomainClaim>;
export const TenantDomainClaimSchema = SchemaFactory.createForClass(TenantDomainClaim);

/** A claim as the rest of the API sees it: plain data, ids as strings. */
export interface DomainClaimRecord {
  id: string;
  name: string;
  tenantId: string;
  state: DomainRecordState;
  token: string;
  verifiedAt: Date | null;
  lastCheckedAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}

// Enforces that a tenant adds a name once while its claim is live.
TenantDomainClaimSchema.index({ key: 1 }, { unique: true });
// Enforces one verified owner per domain across live tenants; serves the edge's lookup of a host.
TenantDomainClaimSchema.index({ owner: 1 }, { unique: true });
// Serves a tenant's list of domains and the pending ones reconcile checks.
TenantDomainClaimSchema.index({ tenantId: 1, state: 1 });
