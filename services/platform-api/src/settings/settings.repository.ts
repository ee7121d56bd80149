import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { CacheBus } from '../common/cache-bus';
import type { ReadCache } from '../common/read-cache';
import { MODEL } from '../common/model-names';
import type { PlatformSettings, PlatformSettingsRecord } from './settings.schema';

const ID = 'platform';
const CACHE_KEY = 'settings:platform';

const toRecord = (row: PlatformSettings): PlatformSettingsRecord => ({ signupApproval: row.signupApproval, updatedAt: row.updatedAt });

@Injectable()
export class SettingsRepository {
  /** Read by every sign-up: kept for the read-cache TTL, dropped on a change. */
  private readonly cache: ReadCache<PlatformSettingsRecord | null>;

  constructor(
    @InjectModel(MODEL.settings) private readonly settings: Model<PlatformSettings>,
    private readonly bus: CacheBus,
  ) {
    this.cache = bus.cache();
  }

  /** The stored settings, or null before an operator first changed one. */
  find(): Promise<PlatformSettingsRecord | null> {
    return this.cache.get(CACHE_KEY, async () => {
      const row = await this.settings.findById(ID).lean<PlatformSettings>().exec();
      return row ? toRecord(row) : null;
    });
  }

  async update(changes: Partial<Pick<PlatformSettings, 'signupApproval'>>): Promise<PlatformSettingsRecord> {
    const row = await this.settings.findByIdAndUpdate(ID, { $set: changes }, { upsert: true, returnDocument: 'after' }).lean<PlatformSettings>().orFail().exec();
    await this.bus.invalidate(CACHE_KEY);
    return toRecord(row);
  }
}
