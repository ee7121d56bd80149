import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { CacheBus } from '../common/cache-bus';
import { DomainError, isDuplicateKeyError } from '../common/errors/domain-error';
import type { ReadCache } from '../common/read-cache';
import { MODEL } from '../common/model-names';
import type { FeatureFlag, FeatureFlagRecord } from './flag.schema';

export interface FlagSnapshot {
  flags: FeatureFlagRecord[];
  /** Changes whenever a flag is created, changed or archived. */
  version: string;
}

export type FlagFields = Pick<FeatureFlagRecord, 'key' | 'description' | 'enabled' | 'defaultValue' | 'rules' | 'owner' | 'expiresAt'>;

const SNAPSHOT_KEY = 'flags:active';

const toRecord = (row: FeatureFlag): FeatureFlagRecord => ({
  key: row.key,
  description: row.description,
  enabled: row.enabled,
  defaultValue: row.defaultValue,
  rules: row.rules ?? [],
  owner: row.owner,
  expiresAt: row.expiresAt ?? null,
  archivedAt: row.archivedAt ?? null,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

@Injectable()
export class FlagsRepository {
  /**
   * The snapshot every evaluation reads: the active flags and a version
   * naming them. Kept in memory, dropped on every write in this process;
   * another replica reloads it within the read-cache TTL.
   */
  private readonly active: ReadCache<FlagSnapshot>;

  constructor(
    @InjectModel(MODEL.flag) private readonly flags: Model<FeatureFlag>,
    private readonly bus: CacheBus,
  ) {
    this.active = bus.cache();
  }

  snapshot(): Promise<FlagSnapshot> {
    return this.active.get(SNAPSHOT_KEY, async () => {
      const flags = (await this.flags.find({ archivedAt: null }).sort({ key: 1 }).lean<FeatureFlag[]>().exec()).map(toRecord);
      const version = createHash('sha256')
        .update(flags.map((flag) => `${flag.key}@${flag.updatedAt.toISOString()}`).join('|'))
        .digest('base64url')
        .slice(0, 16);
      return { flags, version };
    });
  }

  async listAll(): Promise<FeatureFlagRecord[]> {
    return (await this.flags.find({}).sort({ key: 1 }).lean<FeatureFlag[]>().exec()).map(toRecord);
  }

  async findByKey(key: string): Promise<FeatureFlagRecord | null> {
    const row = await this.flags.findOne({ key }).lean<FeatureFlag>().exec();
    return row ? toRecord(row) : null;
  }

  async create(fields: FlagFields): Promise<FeatureFlagRecord> {
    try {
      const created = await this.flags.create(fields);
      return toRecord(created.toObject());
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) throw DomainError.conflict(`A flag "${fields.key}" exists already`);
      throw error;
    } finally {
      await this.bus.invalidate(SNAPSHOT_KEY);
    }
  }

  async update(key: string, changes: Partial<FlagFields> & { archivedAt?: Date | null }): Promise<FeatureFlagRecord | null> {
    const row = await this.flags.findOneAndUpdate({ key }, { $set: changes }, { returnDocument: 'after' }).lean<FeatureFlag>().exec();
    await this.bus.invalidate(SNAPSHOT_KEY);
    return row ? toRecord(row) : null;
  }
}
