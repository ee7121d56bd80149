import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { SubscriptionStatus } from '@tessera/contracts';
import type { Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { Subscription, type SubscriptionDocument } from './subscription.schema';

export type SubscriptionFields = Pick<Subscription, 'plan' | 'status' | 'monthlyPrice' | 'currency' | 'partnerId'>;
export type SubscriptionChanges = Partial<SubscriptionFields & Pick<Subscription, 'externalCustomerId' | 'externalSubscriptionId'>>;

@Injectable()
export class SubscriptionsRepository {
  /** Each tenant's subscription status: every tenant answer carries its health, which reads it. */
  private readonly statuses: ReadCache<SubscriptionStatus | null>;

  constructor(
    @InjectModel(Subscription.name) private readonly subscriptions: Model<Subscription>,
    config: AppConfig,
  ) {
    this.statuses = new ReadCache(config.readCacheTtlMs);
  }

  findByTenant(tenantId: Types.ObjectId): Promise<SubscriptionDocument | null> {
    return this.subscriptions.findOne({ tenantId }).exec();
  }

  /**
   * Gross MRR per partner and currency, summed by the database: the monthly
   * prices of the partners' subscriptions whose status is active.
   */
  async grossMrrByPartner(partnerIds: Types.ObjectId[]): Promise<{ partnerId: string; currency: string; gross: number }[]> {
    const rows = await this.subscriptions
      .aggregate<{ _id: { partnerId: Types.ObjectId; currency: string }; gross: number }>([
        { $match: { partnerId: { $in: partnerIds }, status: 'active' } },
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
  async ofPartnerWithStatus(partnerId: Types.ObjectId, status: SubscriptionStatus): Promise<SubscriptionDocument[]> {
    return this.subscriptions.find({ partnerId, status }).exec();
  }

  async setPartner(tenantId: Types.ObjectId, partnerId: Types.ObjectId | null): Promise<void> {
    await this.subscriptions.updateOne({ tenantId }, { $set: { partnerId } }).exec();
  }

  async statusesOf(tenantIds: Types.ObjectId[]): Promise<Map<string, SubscriptionStatus>> {
    if (tenantIds.length === 1) {
      const id = tenantIds[0]!;
      const status = await this.statuses.get(id.toHexString(), async () => (await this.subscriptions.findOne({ tenantId: id }, { status: 1 }).lean().exec())?.status ?? null);
      return new Map(status ? [[id.toHexString(), status]] : []);
    }
    const found = await this.subscriptions.find({ tenantId: { $in: tenantIds } }, { tenantId: 1, status: 1 }).lean().exec();
    return new Map(found.map((s) => [s.tenantId.toHexString(), s.status]));
  }

  /**
   * Creates the tenant's subscription unless it has one; idempotent. Two
   * concurrent upserts can both try to insert: the loser reads the winner's.
   */
  async ensure(tenantId: Types.ObjectId, fields: SubscriptionFields): Promise<SubscriptionDocument> {
    const upsert = () =>
      this.subscriptions
        .findOneAndUpdate({ tenantId }, { $setOnInsert: { tenantId, ...fields } }, { upsert: true, returnDocument: 'after' })
        .orFail()
        .exec();
    try {
      return await upsert();
    } catch (error: unknown) {
      if (!isDuplicateKeyError(error)) throw error;
      return upsert();
    } finally {
      this.statuses.invalidate(tenantId.toHexString());
    }
  }

  async update(tenantId: Types.ObjectId, changes: SubscriptionChanges): Promise<SubscriptionDocument | null> {
    const updated = await this.subscriptions.findOneAndUpdate({ tenantId }, { $set: changes }, { returnDocument: 'after' }).exec();
    this.statuses.invalidate(tenantId.toHexString());
    return updated;
  }
}
