import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { PLANS, TENANT_APPROVALS, TENANT_STATUSES, type Plan, type ProvisioningState, type TenantApproval, type TenantStatus } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

@Schema({ _id: false })
export class ProvisioningStepRecord {
  @Prop({ type: String, required: true, enum: ['pending', 'ok', 'skipped', 'error'] })
  state: ProvisioningState;

  @Prop({ type: String })
  handle?: string;

  @Prop({ type: String })
  error?: string;

  @Prop({ required: true, default: 0 })
  attempts: number;

  @Prop({ type: Date, required: true })
  updatedAt: Date;
}
const ProvisioningStepRecordSchema = SchemaFactory.createForClass(ProvisioningStepRecord);

@Schema({ collection: 'tenants', timestamps: true })
export class Tenant {
  /** DNS-safe and unique: the workspace lives at `<slug>.<base domain>`. */
  @Prop({ required: true })
  slug: string;

  @Prop({ required: true })
  name: string;

  @Prop({ type: String, required: true, enum: TENANT_STATUSES, default: 'pending' })
  status: TenantStatus;

  @Prop({ type: String, required: true, enum: PLANS })
  plan: Plan;

  @Prop({ type: [String], default: [] })
  domains: string[];

  @Prop({ type: Types.ObjectId, default: null })
  partnerId: Types.ObjectId | null;

  @Prop({ type: String, default: null })
  industry: string | null;

  @Prop({ type: String, default: null })
  brandColor: string | null;

  @Prop({ type: Object, default: {} })
  billingInfo: Record<string, string>;

  /** A portal sign-up waiting for an operator, and how it ended; null when none was needed. */
  @Prop({ type: String, enum: [...TENANT_APPROVALS, null], default: null })
  approval: TenantApproval | null;

  /** An owner stopped the workspace: reconcile keeps it stopped until it is restarted. */
  @Prop({ required: true, default: false })
  workspaceStopped: boolean;

  /** Never put the workspace to sleep when idle (owners and operators set it). */
  @Prop({ required: true, default: false })
  keepAwake: boolean;

  /** The last request the edge let through, written in batches (see EdgeActivity). */
  @Prop({ type: Date, default: null })
  lastActivityAt: Date | null;

  /** Set while a wake started by a request is under way (the waking page on every process), cleared once the workspace answers. */
  @Prop({ type: Date, default: null })
  wakingSince: Date | null;

  /** Where the edge reaches each port of the workspace (port → URL), as the workspace step last found it. */
  @Prop({ type: Object, default: {} })
  edgeTargets: Record<string, string>;

  /** One record per provisioning step, keyed by step name. */
  @Prop({ type: Map, of: ProvisioningStepRecordSchema, default: {} })
  provisioning: Map<string, ProvisioningStepRecord>;

  createdAt: Date;
  updatedAt: Date;
}

export type TenantDocument = HydratedDocument<Tenant>;
export const TenantSchema = SchemaFactory.createForClass(Tenant);

/** A provisioning step's stored outcome, as the rest of the API sees it. */
export interface StepRecord {
  state: ProvisioningState;
  handle?: string;
  error?: string;
  attempts: number;
  updatedAt: Date;
}

/** A tenant as the rest of the API sees it: plain data, ids as strings, steps by name. */
export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: Plan;
  /** Verified custom domains only (see CustomDomains). */
  domains: string[];
  partnerId: string | null;
  industry: string | null;
  brandColor: string | null;
  billingInfo: Record<string, string>;
  approval: TenantApproval | null;
  workspaceStopped: boolean;
  keepAwake: boolean;
  lastActivityAt: Date | null;
  /** A wake is under way since then (WorkspaceSleep); null otherwise. */
  wakingSince: Date | null;
  /** Where the edge reaches each port of the workspace, keyed by the port inside the container. */
  edgeTargets: Record<string, string>;
  provisioning: Partial<Record<string, StepRecord>>;
  createdAt: Date;
  updatedAt: Date;
}

// Serves every `/tenants/:slug` lookup and enforces one tenant per slug.
TenantSchema.index({ slug: 1 }, { unique: true });
// Serves the edge's lookup of a custom domain (forwardAuth) and the check that no two tenants claim one.
TenantSchema.index({ domains: 1 });
// Serves the operator list filtered by status and/or plan, newest first.
TenantSchema.index({ status: 1, plan: 1, createdAt: -1 });
// Serves a plan's tenants (counted and reprovisioned when the plan changes): tenants.find({ plan, status: { $ne: 'terminated' } }).
TenantSchema.index({ plan: 1, status: 1 });
// Serves the operators' approval queue: tenants.find({ approval: 'pending' }).
TenantSchema.index({ approval: 1, createdAt: 1 });
// Serves a partner's tenants: tenants.find({ partnerId }).
TenantSchema.index({ partnerId: 1, createdAt: -1 });
