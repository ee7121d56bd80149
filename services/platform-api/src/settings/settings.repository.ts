import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { PlatformSettingsRecord, type PlatformSettingsDocument } from './settings.schema';

const ID = 'platform';

@Injectable()
export class SettingsRepository {
  /** Read by every sign-up: kept for the read-cache TTL, dropped on a change. */
  private readonly cache: ReadCache<PlatformSettingsDocument | null>;

  constructor(
    @InjectModel(PlatformSettingsRecord.name) private readonly settings: Model<PlatformSettingsRecord>,
    config: AppConfig,
  ) {
    this.cache = new ReadCache(config.readCacheTtlMs);
  }

  /** The stored settings, or null before an operator first changed one. */
  find(): Promise<PlatformSettingsDocument | null> {
    return this.cache.get(ID, () => this.settings.findById(ID).exec());
  }

  async update(changes: Partial<Pick<PlatformSettingsRecord, 'signupApproval'>>): Promise<PlatformSettingsDocument> {
    const updated = await this.settings.findByIdAndUpdate(ID, { $set: changes }, { upsert: true, returnDocument: 'after' }).orFail().exec();
    this.cache.invalidate(ID);
    return updated;
  }
}
