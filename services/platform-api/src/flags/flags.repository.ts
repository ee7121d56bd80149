import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { DomainError, isDuplicateKeyError } from '../common/errors/domain-error';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { FeatureFlagRecord, type FeatureFlagDocument } from './flag.schema';

export type FlagFields = Pick<FeatureFlagRecord, 'key' | 'description' | 'enabled' | 'defaultValue' | 'rules' | 'owner' | 'expiresAt'>;

@Injectable()
export class FlagsRepository {
  /** The active flags, which every evaluation reads: kept in memory, dropped on every write. */
  private readonly active: ReadCache<FeatureFlagDocument[]>;

  constructor(
    @InjectModel(FeatureFlagRecord.name) private readonly flags: Model<FeatureFlagRecord>,
    config: AppConfig,
  ) {
    this.active = new ReadCache(config.readCacheTtlMs);
  }

  listActive(): Promise<FeatureFlagDocument[]> {
    return this.active.get('all', () => this.flags.find({ archivedAt: null }).sort({ key: 1 }).exec());
  }

  listAll(): Promise<FeatureFlagDocument[]> {
    return this.flags.find({}).sort({ key: 1 }).exec();
  }

  findByKey(key: string): Promise<FeatureFlagDocument | null> {
    return this.flags.findOne({ key }).exec();
  }

  async create(fields: FlagFields): Promise<FeatureFlagDocument> {
    try {
      return await this.flags.create(fields);
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) throw DomainError.conflict(`A flag "${fields.key}" exists already`);
      throw error;
    } finally {
      this.active.invalidate('all');
    }
  }

  async update(key: string, changes: Partial<FlagFields> & { archivedAt?: Date | null }): Promise<FeatureFlagDocument | null> {
    const updated = await this.flags.findOneAndUpdate({ key }, { $set: changes }, { returnDocument: 'after' }).exec();
    this.active.invalidate('all');
    return updated;
  }
}
