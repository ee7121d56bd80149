import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { PROVISIONING_STEPS, type Plan, type TenantStatus } from '@tessera/contracts';
import { Types, type Model } from 'mongoose';
import { DomainError, isDuplicateKeyError } from '../common/errors/domain-error';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { slugOrNameMatches } from '../common/search';
import { Tenant, type ProvisioningStepRecord, type TenantDocument } from './tenant.schema';

export interface TenantFilter {
  status?: TenantStatus;
  plan?: Plan;
  partnerId?: Types.ObjectId;
  /** Matches the start of the slug or any part of the name, case-insensitively. */
  search?: string;
  /** Restricts the list to these tenants (a non-operator's own). */
  onlyIds?: Types.ObjectId[];
}

export type NewTenant = Pick<Tenant, 'slug' | 'name' | 'plan' | 'status' | 'industry' | 'brandColor'> & { partnerId?: Types.ObjectId | null; approval?: Tenant['approval'] };
export type TenantChanges = Partial<Pick<Tenant, 'name' | 'plan' | 'domains' | 'industry' | 'brandColor' | 'keepAwake' | 'status' | 'partnerId' | 'workspaceStopped' | 'approval'>>;

@Injectable()
export class TenantsRepository {
  /**
   * Writes to one tenant, one at a time within this process. FerretDB v1
   * applies an update by reading, changing and writing back the whole
   * document without a lock, so two concurrent updates of one tenant (an
   * owner's edit and a reconcile recording its steps) could lose one of them;
   * a test caught exactly that. MongoDB applies each update atomically.
   */
  private readonly writes = new Map<string, Promise<unknown>>();

  private serialized<T>(id: Types.ObjectId, write: () => Promise<T>): Promise<T> {
    const key = id.toHexString();
    const run = (this.writes.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.writes.set(key, run);
    void run.catch(() => undefined).finally(() => {
      if (this.writes.get(key) === run) this.writes.delete(key);
    });
    return run;
  }

  /** Tenants by `slug:<slug>` and `id:<id>`: every tenant route looks its tenant up here. */
  private readonly cache: ReadCache<TenantDocument | null>;

  constructor(
    @InjectModel(Tenant.name) private readonly tenants: Model<Tenant>,
    config: AppConfig,
  ) {
    this.cache = new ReadCache(config.readCacheTtlMs);
  }

  findBySlug(slug: string): Promise<TenantDocument | null> {
    return this.cache.get(`slug:${slug}`, () => this.tenants.findOne({ slug }).exec());
  }

  async findByIds(ids: Types.ObjectId[]): Promise<TenantDocument[]> {
    const found = await Promise.all(ids.map((id) => this.cache.get(`id:${id.toHexString()}`, () => this.tenants.findById(id).exec())));
    return found.filter((tenant): tenant is TenantDocument => tenant !== null);
  }

  private forget(tenant: { slug: string; _id: Types.ObjectId } | null): void {
    if (tenant) this.cache.invalidate(`slug:${tenant.slug}`, `id:${tenant._id.toHexString()}`);
  }

  /** Inserts a tenant; a taken slug is a CONFLICT, decided by the unique index. */
  async create(tenant: NewTenant): Promise<TenantDocument> {
    this.cache.invalidate(`slug:${tenant.slug}`);
    try {
      return await this.tenants.create({ ...tenant, provisioning: pendingSteps() });
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) throw DomainError.conflict(`The slug "${tenant.slug}" is taken`);
      throw error;
    }
  }

  /** Inserts the tenant unless one with its slug exists; returns whichever is stored. */
  async ensure(tenant: NewTenant): Promise<{ tenant: TenantDocument; created: boolean }> {
    const existing = await this.findBySlug(tenant.slug);
    if (existing) return { tenant: existing, created: false };
    this.cache.invalidate(`slug:${tenant.slug}`);
    try {
      return { tenant: await this.tenants.create({ ...tenant, provisioning: pendingSteps() }), created: true };
    } catch (error: unknown) {
      const raced = isDuplicateKeyError(error) ? await this.findBySlug(tenant.slug) : null;
      if (!raced) throw error;
      return { tenant: raced, created: false };
    }
  }

  async list(filter: TenantFilter, skip: number, limit: number): Promise<{ items: TenantDocument[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.status) query['status'] = filter.status;
    if (filter.plan) query['plan'] = filter.plan;
    if (filter.partnerId) query['partnerId'] = filter.partnerId;
    if (filter.onlyIds) query['_id'] = { $in: filter.onlyIds };
    if (filter.search) Object.assign(query, slugOrNameMatches(filter.search));
    const [items, total] = await Promise.all([
      this.tenants.find(query).sort({ createdAt: -1, _id: -1 }).skip(skip).limit(limit).exec(),
      this.tenants.countDocuments(query).exec(),
    ]);
    return { items, total };
  }

  /** Each partner's tenants that are not terminated, counted by the database. */
  async customerCounts(partnerIds: Types.ObjectId[]): Promise<Map<string, number>> {
    const rows = await this.tenants
      .aggregate<{ _id: Types.ObjectId; count: number }>([
        { $match: { partnerId: { $in: partnerIds }, status: { $ne: 'terminated' } } },
        { $group: { _id: '$partnerId', count: { $sum: 1 } } },
      ])
      .exec();
    return new Map(rows.map((row) => [String(row._id), row.count]));
  }

  /** A partner's tenants that are not terminated: what its dashboard looks through. */
  listLiveOfPartner(partnerId: Types.ObjectId): Promise<TenantDocument[]> {
    return this.tenants.find({ partnerId, status: { $ne: 'terminated' } }).sort({ createdAt: -1 }).exec();
  }

  async update(id: Types.ObjectId, changes: TenantChanges): Promise<TenantDocument | null> {
    const updated = await this.serialized(id, () => this.tenants.findByIdAndUpdate(id, { $set: changes }, { returnDocument: 'after' }).exec());
    this.forget(updated);
    if (changes.domains) this.cache.invalidatePrefix('domain:');
    return updated;
  }

  /**
   * Stores provisioning step records, the workspace endpoint when it changed,
   * and — with `activate` — turns a still-pending tenant active, in one write.
   */
  async recordSteps(
    id: Types.ObjectId,
    records: Record<string, ProvisioningStepRecord>,
    options: { edgeTarget?: string; activate?: boolean } = {},
  ): Promise<TenantDocument | null> {
    const set: Record<string, unknown> = Object.fromEntries(Object.entries(records).map(([step, record]) => [`provisioning.${step}`, record]));
    if (options.edgeTarget) set['edgeTarget'] = options.edgeTarget;
    const updated = await this.serialized(id, async () => {
      const activated = options.activate
        ? await this.tenants.findOneAndUpdate({ _id: id, status: 'pending' }, { $set: { ...set, status: 'active' } }, { returnDocument: 'after' }).exec()
        : null;
      // Not activating, or the status moved meanwhile: the records alone.
      return activated ?? this.tenants.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).exec();
    });
    this.forget(updated);
    return updated;
  }

  /**
   * The live tenant that lists `domain` among its custom domains, or null when
   * none does or more than one claims it (then none gets it).
   */
  findByDomain(domain: string): Promise<TenantDocument | null> {
    return this.cache.get(`domain:${domain}`, async () => {
      const found = await this.tenants.find({ domains: domain, status: { $ne: 'terminated' } }).limit(2).exec();
      return found.length === 1 ? found[0]! : null;
    });
  }

  /**
   * Moves each tenant's last activity forward (never back: `$max`, so several
   * API processes may write in any order). Not a change of the tenant: it
   * leaves `updatedAt` alone.
   */
  async recordActivity(seen: Map<string, Date>): Promise<void> {
    await Promise.all(
      [...seen].map(([id, at]) => {
        const key = new Types.ObjectId(id);
        return this.serialized(key, () => this.tenants.updateOne({ _id: key }, { $max: { lastActivityAt: at } }, { timestamps: false }).exec());
      }),
    );
  }

  /** Active tenants on `plan` whose workspace may sleep and has seen no request since `before`. */
  listIdle(plan: Plan, before: Date): Promise<TenantDocument[]> {
    return this.tenants
      .find({
        status: 'active',
        plan,
        keepAwake: { $ne: true },
        workspaceStopped: { $ne: true },
        $or: [{ lastActivityAt: { $lt: before } }, { lastActivityAt: null, createdAt: { $lt: before } }],
      })
      .limit(500)
      .exec();
  }

  /** How many tenants there are in each status. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.tenants.aggregate<{ _id: string; count: number }>([{ $group: { _id: '$status', count: { $sum: 1 } } }]).exec();
    return Object.fromEntries(rows.map((row) => [row._id, row.count]));
  }

  /** Live tenants with a provisioning step in error, most recently changed first. */
  listInError(limit: number): Promise<TenantDocument[]> {
    return this.tenants
      .find({ status: { $ne: 'terminated' }, $or: PROVISIONING_STEPS.map((step) => ({ [`provisioning.${step}.state`]: 'error' })) })
      .sort({ updatedAt: -1 })
      .limit(limit)
      .exec();
  }

  /** Sign-ups waiting for an operator, oldest first. */
  async listAwaitingApproval(skip: number, limit: number): Promise<{ items: TenantDocument[]; total: number }> {
    const query = { approval: 'pending' as const };
    const [items, total] = await Promise.all([
      this.tenants.find(query).sort({ createdAt: 1, _id: 1 }).skip(skip).limit(limit).exec(),
      this.tenants.countDocuments(query).exec(),
    ]);
    return { items, total };
  }

  /** Tenants listing custom domains (routed ones: only verified names are written there). */
  listWithDomains(): Promise<TenantDocument[]> {
    return this.tenants.find({ domains: { $exists: true, $ne: [] } }).exec();
  }

  /** Every tenant, oldest first: what reconcile-all walks through. */
  listAll(): Promise<TenantDocument[]> {
    return this.tenants.find({}).sort({ createdAt: 1, _id: 1 }).exec();
  }

  /**
   * Changes the status only if it is still `from`; null when it moved meanwhile.
   * Becoming active counts as activity, so a resumed or woken workspace is not
   * put to sleep by the next idle pass.
   */
  async transition(id: Types.ObjectId, from: TenantStatus[], to: TenantStatus): Promise<TenantDocument | null> {
    const set = to === 'active' ? { status: to, lastActivityAt: new Date() } : { status: to };
    const updated = await this.serialized(id, () =>
      this.tenants.findOneAndUpdate({ _id: id, status: { $in: from } }, { $set: set }, { returnDocument: 'after' }).exec(),
    );
    this.forget(updated);
    return updated;
  }
}

/** Every step pending, as a new tenant starts. */
function pendingSteps(): Record<string, ProvisioningStepRecord> {
  const now = new Date();
  return Object.fromEntries(PROVISIONING_STEPS.map((step) => [step, { state: 'pending', attempts: 0, updatedAt: now }]));
}
