import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { ActorKind } from '@tessera/contracts';
import { Types, type HydratedDocument } from 'mongoose';

@Schema({ _id: false })
export class AuditActor {
  @Prop({ type: String, required: true })
  kind: ActorKind;

  @Prop({ required: true })
  subject: string;

  @Prop({ type: Types.ObjectId, default: null })
  userId: Types.ObjectId | null;
}

@Schema({ _id: false })
export class AuditTarget {
  @Prop({ required: true })
  type: string;

  @Prop({ type: String, default: null })
  id: string | null;
}

/** Append-only: the schema refuses every update and delete. */
@Schema({ collection: 'audit_events', versionKey: false })
export class AuditEvent {
  @Prop({ type: Date, required: true })
  at: Date;

  @Prop({ required: true })
  requestId: string;

  @Prop({ type: SchemaFactory.createForClass(AuditActor), required: true })
  actor: AuditActor;

  @Prop({ required: true })
  action: string;

  @Prop({ type: SchemaFactory.createForClass(AuditTarget), required: true })
  target: AuditTarget;

  @Prop({ type: Types.ObjectId, default: null })
  tenantId: Types.ObjectId | null;

  @Prop({ type: Types.ObjectId, default: null })
  partnerId: Types.ObjectId | null;

  @Prop({ type: Object, default: {} })
  changes: Record<string, { from: unknown; to: unknown }>;

  @Prop({ type: String, default: null })
  reason: string | null;

  /** An operator acting under support access: the grant and the owner who approved it. */
  @Prop({ type: Object, default: null })
  support: { grantId: string; approvedBy: string } | null;
}

export type AuditEventDocument = HydratedDocument<AuditEvent>;
export const AuditEventSchema = SchemaFactory.createForClass(AuditEvent);

/** An event as the rest of the API sees it (and as one is written): plain data, ids as strings. */
export interface AuditEventRecord {
  id: string;
  at: Date;
  requestId: string;
  actor: { kind: ActorKind; subject: string; userId: string | null };
  action: string;
  target: { type: string; id: string | null };
  tenantId: string | null;
  partnerId: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  reason: string | null;
  support: { grantId: string; approvedBy: string } | null;
}

const refuse = (): never => {
  throw new Error('The audit trail is append-only');
};
AuditEventSchema.pre(
  ['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne', 'findOneAndReplace', 'deleteOne', 'deleteMany', 'findOneAndDelete'],
  refuse,
);

// Serves GET /audit?tenant=…: newest first within a tenant.
AuditEventSchema.index({ tenantId: 1, at: -1 });
// Serves GET /audit?actor=…
AuditEventSchema.index({ 'actor.subject': 1, at: -1 });
// Serves GET /audit?actor=<name or email>: the events of the people whose name or email matched.
AuditEventSchema.index({ 'actor.userId': 1, at: -1 });
// Serves GET /audit?action=…
AuditEventSchema.index({ action: 1, at: -1 });
// Serves the unfiltered page and time ranges.
AuditEventSchema.index({ at: -1 });
