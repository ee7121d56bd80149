import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PartnerStatus } from '@tessera/contracts';
import type { Model, Types } from 'mongoose';
import { DomainError, isDuplicateKeyError } from '../common/errors/domain-error';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { slugOrNameMatches } from '../common/search';
import { Partner, type PartnerDocument } from './partner.schema';

export type NewPartner = Pick<Partner, 'slug' | 'name' | 'marginPct'>;
export type PartnerChanges = Partial<Pick<Partner, 'name' | 'marginPct' | 'status' | 'contact' | 'billing' | 'notificationEmail' | 'branding'>>;

@Injectable()
export class PartnersRepository {
  /** Partners by `slug:<slug>` and `id:<id>`: every partner route looks its partner up here. */
  private readonly cache: ReadCache<PartnerDocument | null>;

  constructor(
    @InjectModel(Partner.name) private readonly partners: Model<Partner>,
    config: AppConfig,
  ) {
    this.cache = new ReadCache(config.readCacheTtlMs);
  }

  findBySlug(slug: string): Promise<PartnerDocument | null> {
    return this.cache.get(`slug:${slug}`, () => this.partners.findOne({ slug }).exec());
  }

  findById(id: Types.ObjectId): Promise<PartnerDocument | null> {
    return this.cache.get(`id:${id.toHexString()}`, () => this.partners.findById(id).exec());
  }

  findByIds(ids: Types.ObjectId[]): Promise<PartnerDocument[]> {
    return this.partners.find({ _id: { $in: ids } }).exec();
  }

  /** Inserts a partner; a taken slug is a CONFLICT, decided by the unique index. */
  async create(partner: NewPartner): Promise<PartnerDocument> {
    this.cache.invalidate(`slug:${partner.slug}`);
    try {
      return await this.partners.create(partner);
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) throw DomainError.conflict(`The partner slug "${partner.slug}" is taken`);
      throw error;
    }
  }

  async list(filter: { status?: PartnerStatus; search?: string }, skip: number, limit: number): Promise<{ items: PartnerDocument[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.status) query['status'] = filter.status;
    if (filter.search) Object.assign(query, slugOrNameMatches(filter.search));
    const [items, total] = await Promise.all([
      this.partners.find(query).sort({ createdAt: -1, _id: -1 }).skip(skip).limit(limit).exec(),
      this.partners.countDocuments(query).exec(),
    ]);
    return { items, total };
  }

  async update(id: Types.ObjectId, changes: PartnerChanges): Promise<PartnerDocument | null> {
    const updated = await this.partners.findByIdAndUpdate(id, { $set: changes }, { returnDocument: 'after', runValidators: true }).exec();
    if (updated) this.cache.invalidate(`slug:${updated.slug}`, `id:${updated._id.toHexString()}`);
    return updated;
  }
}
