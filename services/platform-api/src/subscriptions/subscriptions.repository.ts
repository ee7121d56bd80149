import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { Subscription, type SubscriptionDocument } from './subscription.schema';

export type SubscriptionFields = Pick<Subscription, 'plan' | 'status' | 'monthlyPrice' | 'currency'>;
export type SubscriptionChanges = Partial<SubscriptionFields & Pick<Subscription, 'externalCustomerId' | 'externalSubscriptionId'>>;

@Injectable()
export class SubscriptionsRepository {
  constructor(@InjectModel(Subscription.name) private readonly subscriptions: Model<Subscription>) {}

  findByTenant(tenantId: Types.ObjectId): Promise<SubscriptionDocument | null> {
    return this.subscriptions.findOne({ tenantId }).exec();
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
    }
  }

  update(tenantId: Types.ObjectId, changes: SubscriptionChanges): Promise<SubscriptionDocument | null> {
    return this.subscriptions.findOneAndUpdate({ tenantId }, { $set: changes }, { returnDocument: 'after' }).exec();
  }
}
