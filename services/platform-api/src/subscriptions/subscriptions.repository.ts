import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { MRR_STATUSES, type Plan, type SubscriptionStatus } from '@tessera/contracts';
import { Types, type Model } from 'mongoose';
import { CacheBus } from '../common/cache-bus';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import type { ReadCache } from '../common/read-cache';
import { MODEL } from '../common/model-names';
import type { Subscription, SubscriptionRecord } from './subscription.schema';

export type SubscriptionFields = Pick<SubscriptionRecord, 'plan' | 'status' | 'monthlyPrice' | 'currency' | 'partnerId'> & Partial<Pick<SubscriptionRecord, 'trialEndsAt'>>;
export type SubscriptionChanges = Partial<SubscriptionFields & Pick<SubscriptionRecord, 'externalCustomerId' | 'externalSubscriptionId' | 'tenantSuspended'>>;

/** One group of the MRR breakdown, as the database sums it. */
export interface MrrGroup {
  status: SubscriptionStatus;
  tenantSuspended: boolean;
  plan: Plan;
  partnerId: string | null;
  currency: string;
  amount: number;
  subscriptions: number;
}

/** What counts towards MRR: see MRR_STATUSES and docs/api.md. */
const COUNTED = { status: { $in: [...MRR_STATUSES] }, tenantSuspended: { $ne: true } };

type SubscriptionRow = Omit<Subscription, 'tenantId' | 'partnerId'> & { _id: Types.ObjectId; tenantId: Types.ObjectId; partnerId: Types.ObjectId | null };

const toRecord = (row: SubscriptionRow): SubscriptionRecord => ({
  id: row._id.toHexString(),
  tenantId: row.tenantId.toHexString(),
  partnerId: row.partnerId ? row.partnerId.toHexString() : null,
  plan: row.plan,
  status: row.status,
  monthlyPrice: row.monthlyPrice,
  currency: row.currency,
  trialEndsAt: row.trialEndsAt ?? null,
  tenantSuspended: row.tenantSuspended ?? false,
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
   * prices of the partners' subscriptions that count (COUNTED).
   */
  async grossMrrByPartner(partnerIds: string[]): Promise<{ partnerId: string; currency: string; gross: number }[]> {
    const rows = await this.subscriptions
      .aggregate<{ _id: { partnerId: Types.ObjectId; currency: string }; gross: number }>([
        { $match: { partnerId: { $in: partnerIds.map((id) => new Types.ObjectId(id)) }, ...COUNTED } },
        { $group: { _id: { partnerId: '$partnerId', currency: '$currency' }, gross: { $sum: '$monthlyPrice' } } },
      ])
      .exec();
    return rows.map((row) => ({ partnerId: String(row._id.partnerId), currency: row._id.currency, gross: row.gross }));
  }

  /** Gross MRR of every subscription that counts, by partner (null: sold directly) and currency, in one aggregation. */
  async grossMrrAll(): Promise<{ partnerId: string | null; currency: string; gross: number }[]> {
    const rows = await this.subscriptions
      .aggregate<{ _id: { partnerId: Types.ObjectId | null; currency: string }; gross: number }>([
        { $match: COUNTED },
        { $group: { _id: { partnerId: '$partnerId', currency: '$currency' }, gross: { $sum: '$monthlyPrice' } } },
      ])
      .exec();
    return rows.map((row) => ({ partnerId: row._id.partnerId ? String(row._id.partnerId) : null, currency: row._id.currency, gross: row.gross }));
  }

  /**
   * Every subscription summed by status, suspension, plan, partner and
   * currency, counted or not: the MRR breakdown is made from these groups.
   */
  async mrrGroups(): Promise<MrrGroup[]> {
    type Key = { status: SubscriptionStatus; tenantSuspended?: boolean | null; plan: Plan; partnerId?: Types.ObjectId | null; currency: string };
    const _id = { status: '$status', tenantSuspended: '$tenantSuspended', plan: '$plan', partnerId: '$partnerId', currency: '$currency' };
    // Two aggregations, not one with two accumulators: FerretDB v1 answers 0 for the second $sum of a $group (measured with v1.24.2).
    const [amounts, counts] = await Promise.all([
      this.subscriptions.aggregate<{ _id: Key; amount: number }>([{ $group: { _id, amount: { $sum: '$monthlyPrice' } } }]).exec(),
      this.subscriptions.aggregate<{ _id: Key; subscriptions: number }>([{ $group: { _id, subscriptions: { $sum: 1 } } }]).exec(),
    ]);
    const keyOf = (key: Key) => JSON.stringify([key.status, key.tenantSuspended === true, key.plan, key.partnerId ? String(key.partnerId) : null, key.currency]);
    const countOf = new Map(counts.map((row) => [keyOf(row._id), row.subscriptions]));
    return amounts.map(({ _id: key, amount }) => ({
      status: key.status,
      tenantSuspended: key.tenantSuspended === true,
      plan: key.plan,
      partnerId: key.partnerId ? String(key.partnerId) : null,
      currency: key.currency,
      amount,
      subscriptions: countOf.get(keyOf(key)) ?? 0,
    }));
  }

  /** Marks the subscriptions of exactly these tenants as suspended (at start: records from before the flag). */
  async markSuspended(tenantIds: string[]): Promise<void> {
    const ids = tenantIds.map((id) => new Types.ObjectId(id));
    await this.subscriptions.updateMany({ tenantId: { $in: ids }, tenantSuspended: { $ne: true } }, { $set: { tenantSuspended: true } }).exec();
    await this.subscriptions.updateMany({ tenantId: { $nin: ids }, tenantSuspended: true }, { $set: { tenantSuspended: false } }).exec();
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
      await this.bus.invalidate(statusKey(tenantId));
    }
  }

  async update(tenantId: string, changes: SubscriptionChanges): Promise<SubscriptionRecord | null> {
    const row = await this.subscriptions.findOneAndUpdate({ tenantId: new Types.ObjectId(tenantId) }, { $set: toSet(changes) }, { returnDocument: 'after' }).lean<SubscriptionRow>().exec();
    await this.bus.invalidate(statusKey(tenantId));
    return row ? toRecord(row) : null;
  }
}
