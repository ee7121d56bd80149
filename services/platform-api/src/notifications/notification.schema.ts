import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { DeliveryState, NotificationKind, WebhookScope } from '@tessera/contracts';
import { Types } from 'mongoose';

/**
 * The outbox: one row per notice, written by `Notifier.notify` and never
 * changed but for its state. `key` is unique, so a notice seen by several
 * processes (a probe, a sweep) is queued once. The dispatcher expands a
 * `pending` notice into one delivery per recipient and channel, then marks
 * it `expanded`; nothing is lost between the two, since the deliveries are
 * unique by (notice, target) and expanding again inserts only the missing.
 */
@Schema({ collection: 'notifications', timestamps: true })
export class Notification {
  @Prop({ required: true })
  key: string;

  @Prop({ type: String, required: true })
  kind: NotificationKind;

  @Prop({ type: Types.ObjectId, default: null })
  tenantId: Types.ObjectId | null;

  @Prop({ type: Types.ObjectId, default: null })
  partnerId: Types.ObjectId | null;

  @Prop({ required: true })
  subject: string;

  @Prop({ required: true })
  text: string;

  @Prop({ type: String, required: true, enum: ['pending', 'expanded'], default: 'pending' })
  state: 'pending' | 'expanded';

  @Prop({ type: Date, required: true })
  queuedAt: Date;

  createdAt: Date;
  updatedAt: Date;
}

export const NotificationSchema = SchemaFactory.createForClass(Notification);
// One notice per key: the insert decides between processes that saw the same event.
NotificationSchema.index({ key: 1 }, { unique: true });
// The dispatcher's first step: notices not yet expanded, oldest first.
NotificationSchema.index({ state: 1, queuedAt: 1 });

export interface NotificationRecord {
  id: string;
  key: string;
  kind: NotificationKind;
  tenantId: string | null;
  partnerId: string | null;
  subject: string;
  text: string;
  state: 'pending' | 'expanded';
  queuedAt: Date;
}

/**
 * One notice to one recipient on one channel: an email to a person, or a
 * POST to a webhook endpoint. Its state is the truth of what was sent:
 * `pending` (with the time of the next attempt), `sent`, or `failed` once
 * every attempt has failed.
 */
@Schema({ collection: 'notification_deliveries', timestamps: true })
export class NotificationDelivery {
  @Prop({ type: Types.ObjectId, required: true })
  notificationId: Types.ObjectId;

  @Prop({ type: String, required: true })
  kind: NotificationKind;

  @Prop({ type: String, required: true, enum: ['email', 'webhook'] })
  channel: 'email' | 'webhook';

  /** `user:<id>` or `endpoint:<id>`: unique per notice. */
  @Prop({ required: true })
  target: string;

  @Prop({ type: Types.ObjectId, default: null })
  userId: Types.ObjectId | null;

  @Prop({ type: String, default: null })
  email: string | null;

  @Prop({ type: Types.ObjectId, default: null })
  endpointId: Types.ObjectId | null;

  /** Whether the mail carries the partner's branding (a partner's customer or its team) or Tessera's (operators). */
  @Prop({ type: Types.ObjectId, default: null })
  brandPartnerId: Types.ObjectId | null;

  @Prop({ type: String, required: true, enum: ['pending', 'sent', 'failed'], default: 'pending' })
  state: DeliveryState;

  @Prop({ type: Number, default: 0 })
  attempts: number;

  @Prop({ type: Date, default: null })
  nextAttemptAt: Date | null;

  @Prop({ type: Number, default: null })
  lastStatus: number | null;

  @Prop({ type: String, default: null })
  lastResponse: string | null;

  /** Every attempt's answer, oldest first: the delivery log. */
  @Prop({ type: [Object], default: [] })
  answers: DeliveryAttemptRecord[];

  @Prop({ type: Date, default: null })
  sentAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export const NotificationDeliverySchema = SchemaFactory.createForClass(NotificationDelivery);
// A recipient hears of a notice once, however often the notice is expanded.
NotificationDeliverySchema.index({ notificationId: 1, target: 1 }, { unique: true });
// The dispatcher's second step: deliveries due now, oldest due first.
NotificationDeliverySchema.index({ state: 1, nextAttemptAt: 1 });
// An endpoint's delivery log, newest first.
NotificationDeliverySchema.index({ endpointId: 1, createdAt: -1 });

export interface DeliveryRecord {
  id: string;
  notificationId: string;
  kind: NotificationKind;
  channel: 'email' | 'webhook';
  target: string;
  userId: string | null;
  email: string | null;
  endpointId: string | null;
  brandPartnerId: string | null;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatus: number | null;
  lastResponse: string | null;
  answers: DeliveryAttemptRecord[];
  sentAt: Date | null;
  createdAt: Date;
}

/** One attempt of a delivery, stored as it went. */
export interface DeliveryAttemptRecord {
  at: Date;
  status: number | null;
  answer: string | null;
}

/** A webhook endpoint of a tenant, a partner or the platform. Disabled, never deleted. */
@Schema({ collection: 'webhook_endpoints', timestamps: true })
export class WebhookEndpoint {
  @Prop({ type: String, required: true, enum: ['tenant', 'partner', 'platform'] })
  scope: WebhookScope;

  /** The tenant's or the partner's id; null for the platform's. */
  @Prop({ type: Types.ObjectId, default: null })
  scopeId: Types.ObjectId | null;

  @Prop({ required: true })
  url: string;

  @Prop({ type: String, default: '' })
  description: string;

  @Prop({ type: [String], default: [] })
  kinds: NotificationKind[];

  /** Signs every body (HMAC-SHA256); shown once, when the endpoint is created or its secret rotated. */
  @Prop({ required: true })
  secret: string;

  /** The secret a rotation replaced: it still signs deliveries (a second signature) until previousSecretUntil. */
  @Prop({ type: String, default: null })
  previousSecret: string | null;

  @Prop({ type: Date, default: null })
  previousSecretUntil: Date | null;

  @Prop({ type: Date, default: null })
  secretRotatedAt: Date | null;

  @Prop({ type: Date, default: null })
  disabledAt: Date | null;

  @Prop({ type: Types.ObjectId, default: null })
  createdBy: Types.ObjectId | null;

  createdAt: Date;
  updatedAt: Date;
}

export const WebhookEndpointSchema = SchemaFactory.createForClass(WebhookEndpoint);
// A scope's endpoints (its page, and who hears of a notice).
WebhookEndpointSchema.index({ scope: 1, scopeId: 1, createdAt: -1 });

export interface WebhookEndpointRecord {
  id: string;
  scope: WebhookScope;
  scopeId: string | null;
  url: string;
  description: string;
  kinds: NotificationKind[];
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  secretRotatedAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

/** What a person turned off: `<kind>:<channel>` entries. One row per person, made on their first change. */
@Schema({ collection: 'notification_preferences', timestamps: true })
export class NotificationPreference {
  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ type: [String], default: [] })
  muted: string[];

  createdAt: Date;
  updatedAt: Date;
}

export const NotificationPreferenceSchema = SchemaFactory.createForClass(NotificationPreference);
// One row per person, read for each recipient of a notice.
NotificationPreferenceSchema.index({ userId: 1 }, { unique: true });
