import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { DomainError, isDuplicateKeyError } from '../common/errors/domain-error';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { FeatureFlagRecord, type FeatureFlagDocument } from './flag.schema';

export interface FlagSnapshot {
  flags: FeatureFlagRecord[];
  /** Changes whenever a flag is created, changed or archived. */
  version: string;
}

export type FlagFields = Pick<FeatureFlagRecord, 'key' | 'description' | 'enabled' | 'defaultValue' | 'rules' | 'owner' | 'expiresAt'>;

@Injectable()
export class FlagsRepository {
  /**
   * The snapshot every evaluation reads: the active flags as plain objects and
   * a version naming them. Kept in memory, dropped on every write in this
   * process; another replica reloads it within the read-cache TTL.
   */
  private readonly active: ReadCache<FlagSnapshot>;

  constructor(
    @InjectModel(FeatureFlagRecord.name) private readonly flags: Model<FeatureFlagRecord>,
    config: AppConfig,
  ) {
    this.active = new ReadCache(config.readCacheTtlMs);
  }

  snapshot(): Promise<FlagSnapshot> {
    return this.active.get('all', async () => {
      const flags = await this.flags.find({ archivedAt: null }).sort({ key: 1 }).lean<FeatureFlagRecord[]>().exec();
      const version = createHash('sha256')
        .update(flags.map((flag) => `${flag.key}@${flag.updatedAt.toISOString()}`).join('|'))
        .digest('base64url')
        .slice(0, 16);
      return { flags, version };
    });
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
