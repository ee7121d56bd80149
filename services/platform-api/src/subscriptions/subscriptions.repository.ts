import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { SubscriptionStatus } from '@tessera/contracts';
import { Types, type Model } from 'mongoose';
import { CacheBus } from '../common/cache-bus';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import type { ReadCache } from '../common/read-cache';
import { MODEL } from '../common/model-names';
import type { Subscription, SubscriptionRecord } from './subscription.schema';

export type SubscriptionFields = Pick<SubscriptionRecord, 'plan' | 'status' | 'monthlyPrice' | 'currency' | 'partnerId'>;
export type SubscriptionChanges = Partial<SubscriptionFields & Pick<SubscriptionRecord, 'externalCustomerId' | 'externalSubscriptionId'>>;

type SubscriptionRow = Omit<Subscription, 'tenantId' | 'partnerId'> & { _id: Types.ObjectId; tenantId: Types.ObjectId; partnerId: Types.ObjectId | null };

const toRecord = (row: SubscriptionRow): SubscriptionRecord => ({
  id: row._id.toHexString(),
  tenantId: row.tenantId.toHexString(),
  partnerId: row.partnerId ? row.partnerId.toHexString() : null,
  plan: row.plan,
  status: row.status,
  monthlyPrice: row.monthlyPrice,
  currency: row.currency,
  externalCustomerId: row.externalCustomerId ?? null,
  externalSubscriptionId: row.externalSubscriptionId ?? null,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** Ids as the database holds them. */
function toSet(changes: SubscriptionChanges): Record<string, unknown> {
  const { partnerId, ...rest } = changes;
  return partnerId === undefined ? rest : { ...rest, partnerId: partnerId === null ? null : new Types.ObjectId(partnerId) };
}

const statusKey = (tenantId: string) => `subscription-status:${tenantId}`;

@Injectable()
export class SubscriptionsRepository {
  /** Each tenant's subscription status: every tenant answer carries its health, which reads it. */
  private readonly statuses: ReadCache<SubscriptionStatus | null>;

  constructor(
    @InjectModel(MODEL.subscription) private readonly subscriptions: Model<Subscription>,
    private readonly bus: CacheBus,
  ) {
    this.statuses = bus.cache();
  }

  async findByTenant(tenantId: string): Promise<SubscriptionRecord | null> {
    const row = await this.subscriptions.findOne({ tenantId: new Types.ObjectId(tenantId) }).lean<SubscriptionRow>().exec();
    return row ? toRecord(row) : null;
  }

  /**
   * Gross MRR per partner and currency, summed by the database: the monthly
   * prices of the partners' subscriptions whose status is active.
   */
  async grossMrrByPartner(partnerIds: string[]): Promise<{ partnerId: string; currency: string; gross: number }[]> {
    const rows = await this.subscriptions
      .aggregate<{ _id: { partnerId: Types.ObjectId; currency: string }; gross: number }>([
        { $match: { partnerId: { $in: partnerIds.map((id) => new Types.ObjectId(id)) }, status: 'active' } },
        { $group: { _id: { partnerId: '$partnerId', currency: '$currency' }, gross: { $sum: '$monthlyPrice' } } },
      ])
      .exec();
    return rows.map((row) => ({ partnerId: String(row._id.partnerId), currency: row._id.currency, gross: row.gross }));
  }

  /** Gross MRR of every active subscription, by partner (null: sold directly) and currency, in one aggregation. */
  async grossMrrAll(): Promise<{ partnerId: string | null; currency: string; gross: number }[]> {
    const rows = await this.subscriptions
      .aggregate<{ _id: { partnerId: Types.ObjectId | null; currency: string }; gross: number }>([
        { $match: { status: 'active' } },
        { $group: { _id: { partnerId: '$partnerId', currency: '$currency' }, gross: { $sum: '$monthlyPrice' } } },
      ])
      .exec();
    return rows.map((row) => ({ partnerId: row._id.partnerId ? String(row._id.partnerId) : null, currency: row._id.currency, gross: row.gross }));
  }

  /** The subscriptions of a partner's tenants that have this status. */
  async ofPartnerWithStatus(partnerId: string, status: SubscriptionStatus): Promise<SubscriptionRecord[]> {
    const rows = await this.subscriptions.find({ partnerId: new Types.ObjectId(partnerId), status }).lean<SubscriptionRow[]>().exec();
    return rows.map(toRecord);
  }

  async setPartner(tenantId: string, partnerId: string | null): Promise<void> {
    await this.subscriptions.updateOne({ tenantId: new Types.ObjectId(tenantId) }, { $set: toSet({ partnerId }) }).exec();
  }

  async statusesOf(tenantIds: string[]): Promise<Map<string, SubscriptionStatus>> {
    if (tenantIds.length === 1) {
      const id = tenantIds[0]!;
      const status = await this.statuses.get(statusKey(id), async () => (await this.subscriptions.findOne({ tenantId: new Types.ObjectId(id) }, { status: 1 }).lean().exec())?.status ?? null);
      return new Map(status ? [[id, status]] : []);
    }
    const found = await this.subscriptions.find({ tenantId: { $in: tenantIds.map((id) => new Types.ObjectId(id)) } }, { tenantId: 1, status: 1 }).lean().exec();
    return new Map(found.map((s) => [s.tenantId.toHexString(), s.status]));
  }

  /**
   * Creates the tenant's subscription unless it has one; idempotent. Two
   * concurrent upserts can both try to insert: the loser reads the winner's.
   */
  async ensure(tenantId: string, fields: SubscriptionFields): Promise<SubscriptionRecord> {
    const key = new Types.ObjectId(tenantId);
    const upsert = async () =>
      toRecord(
        await this.subscriptions
          .findOneAndUpdate({ tenantId: key }, { $setOnInsert: { tenantId: key, ...toSet(fields) } }, { upsert: true, returnDocument: 'after' })
          .lean<SubscriptionRow>()
          .orFail()
          .exec(),
      );
    try {
      return await upsert();
    } catch (error: unknown) {
      if (!isDuplicateKeyError(error)) throw error;
      return upsert();
    } finally {
      this.bus.invalidate(statusKey(tenantId));
    }
  }

  async update(tenantId: string, changes: SubscriptionChanges): Promise<SubscriptionRecord | null> {
    const row = await this.subscriptions.findOneAndUpdate({ tenantId: new Types.ObjectId(tenantId) }, { $set: toSet(changes) }, { returnDocument: 'after' }).lean<SubscriptionRow>().exec();
    this.bus.invalidate(statusKey(tenantId));
    return row ? toRecord(row) : null;
  }
}
