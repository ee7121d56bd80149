import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { NotificationKind, WebhookScope } from '@tessera/contracts';
import { Types, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { MODEL } from '../common/model-names';
import type {
  DeliveryAttemptRecord,
  DeliveryRecord,
  Notification,
  NotificationDelivery,
  NotificationPreference,
  NotificationRecord,
  WebhookEndpoint,
  WebhookEndpointRecord,
} from './notification.schema';

const hex = (id: Types.ObjectId | null | undefined): string | null => (id ? id.toHexString() : null);
const oid = (id: string | null | undefined): Types.ObjectId | null => (id ? new Types.ObjectId(id) : null);

type NotificationRow = Notification & { _id: Types.ObjectId };
type DeliveryRow = NotificationDelivery & { _id: Types.ObjectId };
type EndpointRow = WebhookEndpoint & { _id: Types.ObjectId };

const toNotification = (row: NotificationRow): NotificationRecord => ({
  id: row._id.toHexString(),
  key: row.key,
  kind: row.kind,
  tenantId: hex(row.tenantId),
  partnerId: hex(row.partnerId),
  subject: row.subject,
  text: row.text,
  state: row.state,
  queuedAt: row.queuedAt,
});

const toDelivery = (row: DeliveryRow): DeliveryRecord => ({
  id: row._id.toHexString(),
  notificationId: row.notificationId.toHexString(),
  kind: row.kind,
  channel: row.channel,
  target: row.target,
  userId: hex(row.userId),
  email: row.email ?? null,
  endpointId: hex(row.endpointId),
  brandPartnerId: hex(row.brandPartnerId),
  state: row.state,
  attempts: row.attempts ?? 0,
  nextAttemptAt: row.nextAttemptAt ?? null,
  lastStatus: row.lastStatus ?? null,
  lastResponse: row.lastResponse ?? null,
  answers: (row.answers ?? []).map((attempt) => ({ at: attempt.at, status: attempt.status ?? null, answer: attempt.answer ?? null })),
  sentAt: row.sentAt ?? null,
  createdAt: row.createdAt,
});

const toEndpoint = (row: EndpointRow): WebhookEndpointRecord => ({
  id: row._id.toHexString(),
  scope: row.scope,
  scopeId: hex(row.scopeId),
  url: row.url,
  description: row.description ?? '',
  kinds: row.kinds ?? [],
  secret: row.secret,
  previousSecret: row.previousSecret ?? null,
  previousSecretUntil: row.previousSecretUntil ?? null,
  secretRotatedAt: row.secretRotatedAt ?? null,
  disabledAt: row.disabledAt ?? null,
  createdAt: row.createdAt,
});

export interface NewNotification {
  key: string;
  kind: NotificationKind;
  tenantId: string | null;
  partnerId: string | null;
  subject: string;
  text: string;
  queuedAt: Date;
}

export interface NewDelivery {
  notificationId: string;
  kind: NotificationKind;
  channel: 'email' | 'webhook';
  target: string;
  userId?: string | null;
  email?: string | null;
  endpointId?: string | null;
  brandPartnerId?: string | null;
  nextAttemptAt: Date;
}

/** The outbox and its deliveries: the only code that touches them. */
@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectModel(MODEL.notification) private readonly notifications: Model<Notification>,
    @InjectModel(MODEL.notificationDelivery) private readonly deliveries: Model<NotificationDelivery>,
  ) {}

  /** Queues a notice; false when one with its key is queued already. */
  async enqueue(notice: NewNotification): Promise<boolean> {
    try {
      await this.notifications.create({ ...notice, tenantId: oid(notice.tenantId), partnerId: oid(notice.partnerId), state: 'pending' });
      return true;
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async findByKey(key: string): Promise<NotificationRecord | null> {
    const row = await this.notifications.findOne({ key }).lean<NotificationRow>().exec();
    return row ? toNotification(row) : null;
  }

  /** Notices not yet expanded into deliveries, oldest first. */
  async listPending(limit: number): Promise<NotificationRecord[]> {
    const rows = await this.notifications.find({ state: 'pending' }).sort({ queuedAt: 1 }).limit(limit).lean<NotificationRow[]>().exec();
    return rows.map(toNotification);
  }

  async findNotifications(ids: string[]): Promise<Map<string, NotificationRecord>> {
    const rows = await this.notifications.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }).lean<NotificationRow[]>().exec();
    return new Map(rows.map((row) => [row._id.toHexString(), toNotification(row)]));
  }

  async markExpanded(id: string): Promise<void> {
    await this.notifications.updateOne({ _id: new Types.ObjectId(id) }, { $set: { state: 'expanded' } }).exec();
  }

  /** Adds a delivery unless that recipient has one for the notice already. */
  async addDelivery(delivery: NewDelivery): Promise<void> {
    try {
      await this.deliveries.create({
        ...delivery,
        notificationId: new Types.ObjectId(delivery.notificationId),
        userId: oid(delivery.userId),
        endpointId: oid(delivery.endpointId),
        brandPartnerId: oid(delivery.brandPartnerId),
        state: 'pending',
        attempts: 0,
      });
    } catch (error: unknown) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** Deliveries due at `now`, the longest due first. */
  async listDue(now: Date, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.deliveries.find({ state: 'pending', nextAttemptAt: { $lte: now } }).sort({ nextAttemptAt: 1 }).limit(limit).lean<DeliveryRow[]>().exec();
    return rows.map(toDelivery);
  }

  /** Records one attempt's outcome, and adds its answer to the delivery's log. */
  async recordAttempt(id: string, at: Date, outcome: { state: DeliveryRecord['state']; attempts: number; nextAttemptAt: Date | null; lastStatus: number | null; lastResponse: string | null; sentAt: Date | null }): Promise<void> {
    const answer: DeliveryAttemptRecord = { at, status: outcome.lastStatus, answer: outcome.lastResponse };
    await this.deliveries.updateOne({ _id: new Types.ObjectId(id) }, { $set: outcome, $push: { answers: answer } }).exec();
  }

  /** An endpoint's deliveries, newest first. */
  async listForEndpoint(endpointId: string, skip: number, limit: number): Promise<{ items: DeliveryRecord[]; total: number }> {
    const query = { endpointId: new Types.ObjectId(endpointId) };
    const [rows, total] = await Promise.all([
      this.deliveries.find(query).sort({ createdAt: -1, _id: -1 }).skip(skip).limit(limit).lean<DeliveryRow[]>().exec(),
      this.deliveries.countDocuments(query).exec(),
    ]);
    return { items: rows.map(toDelivery), total };
  }

  /** A notice's deliveries (tests and the benchmark read them). */
  async listForNotification(notificationId: string): Promise<DeliveryRecord[]> {
    const rows = await this.deliveries.find({ notificationId: new Types.ObjectId(notificationId) }).lean<DeliveryRow[]>().exec();
    return rows.map(toDelivery);
  }
}

/** Webhook endpoints: created, listed, disabled; never deleted. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(@InjectModel(MODEL.webhookEndpoint) private readonly endpoints: Model<WebhookEndpoint>) {}

  async create(endpoint: { scope: WebhookScope; scopeId: string | null; url: string; description: string; kinds: NotificationKind[]; secret: string; createdBy: string | null }): Promise<WebhookEndpointRecord> {
    const created = await this.endpoints.create({ ...endpoint, scopeId: oid(endpoint.scopeId), createdBy: oid(endpoint.createdBy), disabledAt: null });
    return toEndpoint(created.toObject() as EndpointRow);
  }

  async findById(id: string): Promise<WebhookEndpointRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const row = await this.endpoints.findById(id).lean<EndpointRow>().exec();
    return row ? toEndpoint(row) : null;
  }

  /** A scope's endpoints, newest first (disabled ones too: their logs are kept). */
  async listFor(scope: WebhookScope, scopeId: string | null): Promise<WebhookEndpointRecord[]> {
    const rows = await this.endpoints.find({ scope, scopeId: oid(scopeId) }).sort({ createdAt: -1 }).limit(100).lean<EndpointRow[]>().exec();
    return rows.map(toEndpoint);
  }

  /** The endpoints that hear of a notice: enabled, of these scopes. */
  async listEnabledFor(scopes: { scope: WebhookScope; scopeId: string | null }[]): Promise<WebhookEndpointRecord[]> {
    if (scopes.length === 0) return [];
    const rows = await this.endpoints
      .find({ disabledAt: null, $or: scopes.map(({ scope, scopeId }) => ({ scope, scopeId: oid(scopeId) })) })
      .lean<EndpointRow[]>()
      .exec();
    return rows.map(toEndpoint);
  }

  /**
   * Replaces the signing secret of an enabled endpoint, if it still has `current` (two rotations at once: one wins);
   * the replaced one keeps signing, beside it, until `previousUntil`.
   */
  async rotateSecret(id: string, current: string, secret: string, previousUntil: Date, at: Date): Promise<WebhookEndpointRecord | null> {
    const row = await this.endpoints
      .findOneAndUpdate(
        { _id: new Types.ObjectId(id), disabledAt: null, secret: current },
        { $set: { secret, previousSecret: current, previousSecretUntil: previousUntil, secretRotatedAt: at } },
        { returnDocument: 'after' },
      )
      .lean<EndpointRow>()
      .exec();
    return row ? toEndpoint(row) : null;
  }

  async disable(id: string, at: Date): Promise<WebhookEndpointRecord | null> {
    const row = await this.endpoints.findOneAndUpdate({ _id: new Types.ObjectId(id), disabledAt: null }, { $set: { disabledAt: at } }, { returnDocument: 'after' }).lean<EndpointRow>().exec();
    return row ? toEndpoint(row) : null;
  }
}

/** What each person turned off. */
@Injectable()
export class NotificationPreferencesRepository {
  constructor(@InjectModel(MODEL.notificationPreference) private readonly preferences: Model<NotificationPreference>) {}

  async mutedOf(userId: string): Promise<Set<string>> {
    const row = await this.preferences.findOne({ userId: new Types.ObjectId(userId) }).lean<{ muted: string[] }>().exec();
    return new Set(row?.muted ?? []);
  }

  /** Muted entries by person, for the recipients of one notice. */
  async mutedOfMany(userIds: string[]): Promise<Map<string, Set<string>>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.preferences.find({ userId: { $in: userIds.map((id) => new Types.ObjectId(id)) } }).lean<{ userId: Types.ObjectId; muted: string[] }[]>().exec();
    return new Map(rows.map((row) => [row.userId.toHexString(), new Set(row.muted ?? [])]));
  }

  async setMuted(userId: string, muted: string[]): Promise<void> {
    await this.preferences.updateOne({ userId: new Types.ObjectId(userId) }, { $set: { muted } }, { upsert: true }).exec();
  }
}
