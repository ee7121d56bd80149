import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PartnerStatus } from '@tessera/contracts';
import { Types, type Model } from 'mongoose';
import { CacheBus, cacheKeys } from '../common/cache-bus';
import { DomainError, isDuplicateKeyError } from '../common/errors/domain-error';
import type { ReadCache } from '../common/read-cache';
import { slugOrNameMatches } from '../common/search';
import { MODEL } from '../common/model-names';
import type { Partner, PartnerRecord } from './partner.schema';

export type NewPartner = Pick<PartnerRecord, 'slug' | 'name' | 'marginPct'>;
export type PartnerChanges = Partial<Pick<PartnerRecord, 'name' | 'marginPct' | 'status' | 'contact' | 'billing' | 'notificationEmail' | 'branding'>>;

type PartnerRow = Partner & { _id: Types.ObjectId };

const toRecord = (row: PartnerRow): PartnerRecord => ({
  id: row._id.toHexString(),
  slug: row.slug,
  name: row.name,
  status: row.status,
  marginPct: row.marginPct,
  contact: { name: row.contact?.name ?? null, email: row.contact?.email ?? null, phone: row.contact?.phone ?? null },
  billing: { company: row.billing?.company ?? null, address: row.billing?.address ?? null, vatId: row.billing?.vatId ?? null, email: row.billing?.email ?? null },
  notificationEmail: row.notificationEmail ?? null,
  branding: {
    displayName: row.branding?.displayName ?? null,
    logoUrl: row.branding?.logoUrl ?? null,
    primaryColor: row.branding?.primaryColor ?? null,
    accentColor: row.branding?.accentColor ?? null,
    supportUrl: row.branding?.supportUrl ?? null,
  },
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

@Injectable()
export class PartnersRepository {
  /** Partners by `partner:slug:<slug>` and `partner:id:<id>`: every partner route looks its partner up here. */
  private readonly cache: ReadCache<PartnerRecord | null>;

  constructor(
    @InjectModel(MODEL.partner) private readonly partners: Model<Partner>,
    private readonly bus: CacheBus,
  ) {
    this.cache = bus.cache();
  }

  findBySlug(slug: string): Promise<PartnerRecord | null> {
    return this.cache.get(`partner:slug:${slug}`, () => this.one({ slug }));
  }

  findById(id: string): Promise<PartnerRecord | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    return this.cache.get(`partner:id:${id}`, () => this.one({ _id: new Types.ObjectId(id) }));
  }

  async findByIds(ids: string[]): Promise<PartnerRecord[]> {
    const rows = await this.partners.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }).lean<PartnerRow[]>().exec();
    return rows.map(toRecord);
  }

  /** Inserts a partner; a taken slug is a CONFLICT, decided by the unique index. */
  async create(partner: NewPartner): Promise<PartnerRecord> {
    await this.bus.invalidate(`partner:slug:${partner.slug}`);
    try {
      return toRecord((await this.partners.create(partner)).toObject() as PartnerRow);
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) throw DomainError.conflict(`The partner slug "${partner.slug}" is taken`);
      throw error;
    }
  }

  async list(filter: { status?: PartnerStatus; search?: string }, skip: number, limit: number): Promise<{ items: PartnerRecord[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.status) query['status'] = filter.status;
    if (filter.search) Object.assign(query, slugOrNameMatches(filter.search));
    const [rows, total] = await Promise.all([
      this.partners.find(query).sort({ createdAt: -1, _id: -1 }).skip(skip).limit(limit).lean<PartnerRow[]>().exec(),
      this.partners.countDocuments(query).exec(),
    ]);
    return { items: rows.map(toRecord), total };
  }

  async update(id: string, changes: PartnerChanges): Promise<PartnerRecord | null> {
    const row = await this.partners.findByIdAndUpdate(id, { $set: changes }, { returnDocument: 'after', runValidators: true }).lean<PartnerRow>().exec();
    const updated = row ? toRecord(row) : null;
    if (updated) await this.bus.invalidate(...cacheKeys.partner(updated));
    return updated;
  }

  private async one(filter: Record<string, unknown>): Promise<PartnerRecord | null> {
    const row = await this.partners.findOne(filter).lean<PartnerRow>().exec();
    return row ? toRecord(row) : null;
  }
}
