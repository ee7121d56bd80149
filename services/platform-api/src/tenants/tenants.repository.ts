import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { PROVISIONING_STEPS, type Plan, type TenantLifecycle, type TenantStatus } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { Types, type Collection, type Model } from 'mongoose';
import { CacheBus, cacheKeys } from '../common/cache-bus';
import { Clock } from '../common/clock';
import { DomainError, isDuplicateKeyError } from '../common/errors/domain-error';
import type { ReadCache } from '../common/read-cache';
import { slugOrNameMatches } from '../common/search';
import { MODEL } from '../common/model-names';
import type { StepRecord, Tenant, TenantRecord } from './tenant.schema';

export interface TenantFilter {
  status?: TenantStatus;
  /** live: not terminated; ended: terminated. Applies together with `status`. */
  lifecycle?: TenantLifecycle;
  plan?: Plan;
  partnerId?: string;
  /** Matches the start of the slug or any part of the name, case-insensitively. */
  search?: string;
  /** Restricts the list to these tenants (a non-operator's own). */
  onlyIds?: string[];
}

export type NewTenant = Pick<TenantRecord, 'slug' | 'name' | 'plan' | 'status' | 'industry' | 'brandColor'> & { partnerId?: string | null; approval?: TenantRecord['approval'] };
export type TenantChanges = Partial<
  Pick<TenantRecord, 'name' | 'plan' | 'domains' | 'industry' | 'brandColor' | 'keepAwake' | 'status' | 'partnerId' | 'workspaceStopped' | 'approval'>
>;

type TenantRow = Omit<Tenant, 'partnerId' | 'provisioning'> & { _id: Types.ObjectId; partnerId: Types.ObjectId | null; provisioning?: Record<string, StepRecord> };

const toRecord = (row: TenantRow): TenantRecord => ({
  id: row._id.toHexString(),
  slug: row.slug,
  name: row.name,
  status: row.status,
  plan: row.plan,
  domains: [...(row.domains ?? [])],
  partnerId: row.partnerId ? row.partnerId.toHexString() : null,
  industry: row.industry ?? null,
  brandColor: row.brandColor ?? null,
  billingInfo: row.billingInfo ?? {},
  approval: row.approval ?? null,
  workspaceStopped: row.workspaceStopped ?? false,
  keepAwake: row.keepAwake ?? false,
  lastActivityAt: row.lastActivityAt ?? null,
  wakingSince: row.wakingSince ?? null,
  // Tenants stored before several services had one target (edgeTarget): it serves the default port until the workspace step records them all.
  edgeTargets: { ...(row.edgeTargets ?? {}), ...(legacyTarget(row) && !Object.keys(row.edgeTargets ?? {}).length ? { default: legacyTarget(row)! } : {}) },
  provisioning: { ...(row.provisioning ?? {}) },
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** What a change looks like in the database: ids as ObjectIds. */
function toSet(changes: TenantChanges): Record<string, unknown> {
  const { partnerId, ...rest } = changes;
  return partnerId === undefined ? rest : { ...rest, partnerId: partnerId === null ? null : new Types.ObjectId(partnerId) };
}

/** A tenant's write lease (writeLeased): the tenant's id, who holds it, until when. */
interface WriteLease {
  _id: string;
  holder: string;
  expiresAt: Date;
}

/** How long a write lease lasts when its holder dies holding it, and how long a writer waits for one. */
const WRITE_LEASE_MS = 5_000;
const WRITE_LEASE_WAIT_MS = 15_000;

@Injectable()
export class TenantsRepository {
  /**
   * Writes to one tenant, one at a time: within this process by this queue,
   * across processes by a write lease in the database (writeLeased). FerretDB
   * v1 applies an update by reading, changing and writing back the whole
   * document without a lock, so two concurrent updates of one tenant (an
   * owner's edit and a reconcile recording its steps) could lose one of them;
   * a test caught exactly that, first in one process, then across two.
   * MongoDB applies each update atomically.
   */
  private readonly writes = new Map<string, Promise<unknown>>();
  /** Who this process is, as the holder of a tenant's write lease. */
  private readonly holder = randomBytes(8).toString('hex');
  private readonly leases: Collection<WriteLease>;

  /** Tenants by `tenant:slug:<slug>`, `tenant:id:<id>` and `domain:<name>`: every tenant route looks its tenant up here. */
  private readonly cache: ReadCache<TenantRecord | null>;

  constructor(
    @InjectModel(MODEL.tenant) private readonly tenants: Model<Tenant>,
    private readonly bus: CacheBus,
    private readonly clock: Clock,
  ) {
    this.cache = bus.cache();
    this.leases = tenants.db.collection<WriteLease>('tenant_write_leases');
  }

  findBySlug(slug: string): Promise<TenantRecord | null> {
    return this.cache.get(`tenant:slug:${slug}`, () => this.one({ slug }));
  }

  findById(id: string): Promise<TenantRecord | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    return this.cache.get(`tenant:id:${id}`, () => this.one({ _id: new Types.ObjectId(id) }));
  }

  /** The tenant as stored now, past any cache: what a reconcile works from. */
  fresh(id: string): Promise<TenantRecord | null> {
    return this.one({ _id: new Types.ObjectId(id) });
  }

  async findByIds(ids: string[]): Promise<TenantRecord[]> {
    const found = await Promise.all(ids.map((id) => this.findById(id)));
    return found.filter((tenant): tenant is TenantRecord => tenant !== null);
  }

  /** Inserts a tenant; a taken slug is a CONFLICT, decided by the unique index. */
  async create(tenant: NewTenant): Promise<TenantRecord> {
    await this.bus.invalidate(`tenant:slug:${tenant.slug}`);
    try {
      return await this.insert(tenant);
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) throw DomainError.conflict(`The slug "${tenant.slug}" is taken`);
      throw error;
    }
  }

  /** Inserts the tenant unless one with its slug exists; returns whichever is stored. */
  async ensure(tenant: NewTenant): Promise<{ tenant: TenantRecord; created: boolean }> {
    const existing = await this.findBySlug(tenant.slug);
    if (existing) return { tenant: existing, created: false };
    await this.bus.invalidate(`tenant:slug:${tenant.slug}`);
    try {
      return { tenant: await this.insert(tenant), created: true };
    } catch (error: unknown) {
      const raced = isDuplicateKeyError(error) ? await this.findBySlug(tenant.slug) : null;
      if (!raced) throw error;
      return { tenant: raced, created: false };
    }
  }

  async list(filter: TenantFilter, skip: number, limit: number): Promise<{ items: TenantRecord[]; total: number }> {
    const query: Record<string, unknown> = {};
    const lifecycle = filter.lifecycle === 'live' ? { status: { $ne: 'terminated' } } : filter.lifecycle === 'ended' ? { status: 'terminated' } : null;
    if (filter.status && lifecycle) query['$and'] = [{ status: filter.status }, lifecycle];
    else if (filter.status) query['status'] = filter.status;
    else if (lifecycle) Object.assign(query, lifecycle);
    if (filter.plan) query['plan'] = filter.plan;
    if (filter.partnerId) query['partnerId'] = new Types.ObjectId(filter.partnerId);
    if (filter.onlyIds) query['_id'] = { $in: filter.onlyIds.map((id) => new Types.ObjectId(id)) };
    if (filter.search) Object.assign(query, slugOrNameMatches(filter.search));
    const [rows, total] = await Promise.all([
      this.tenants.find(query).sort({ createdAt: -1, _id: -1 }).skip(skip).limit(limit).lean<TenantRow[]>().exec(),
      this.tenants.countDocuments(query).exec(),
    ]);
    return { items: rows.map(toRecord), total };
  }

  /** Each partner's tenants that are not terminated, counted by the database. */
  async customerCounts(partnerIds: string[]): Promise<Map<string, number>> {
    const rows = await this.tenants
      .aggregate<{ _id: Types.ObjectId; count: number }>([
        { $match: { partnerId: { $in: partnerIds.map((id) => new Types.ObjectId(id)) }, status: { $ne: 'terminated' } } },
        { $group: { _id: '$partnerId', count: { $sum: 1 } } },
      ])
      .exec();
    return new Map(rows.map((row) => [String(row._id), row.count]));
  }

  /** A partner's tenants that are not terminated: what its dashboard looks through. */
  async listLiveOfPartner(partnerId: string): Promise<TenantRecord[]> {
    const rows = await this.tenants.find({ partnerId: new Types.ObjectId(partnerId), status: { $ne: 'terminated' } }).sort({ createdAt: -1 }).lean<TenantRow[]>().exec();
    return rows.map(toRecord);
  }

  async update(id: string, changes: TenantChanges): Promise<TenantRecord | null> {
    const updated = await this.serialized(id, () => this.oneAndUpdate({ _id: new Types.ObjectId(id) }, { $set: toSet(changes) }));
    await this.forget(updated);
    if (changes.domains) await this.bus.invalidatePrefix('domain:');
    return updated;
  }

  /**
   * Stores provisioning step records, the workspace's endpoints when they changed,
   * and — with `activate` — turns a still-pending tenant active, in one write.
   */
  async recordSteps(id: string, records: Record<string, StepRecord>, options: { edgeTargets?: Record<string, string>; activate?: boolean } = {}): Promise<TenantRecord | null> {
    const set: Record<string, unknown> = Object.fromEntries(Object.entries(records).map(([step, record]) => [`provisioning.${step}`, record]));
    if (options.edgeTargets) set['edgeTargets'] = options.edgeTargets;
    const key = new Types.ObjectId(id);
    const updated = await this.serialized(id, async () => {
      const activated = options.activate ? await this.oneAndUpdate({ _id: key, status: 'pending' }, { $set: { ...set, status: 'active' } }) : null;
      // Not activating, or the status moved meanwhile: the records alone.
      return activated ?? this.oneAndUpdate({ _id: key }, { $set: set });
    });
    await this.forget(updated);
    return updated;
  }

  /**
   * The live tenant that lists `domain` among its (verified) custom domains,
   * or null when none does or more than one claims it (then none gets it).
   */
  findByDomain(domain: string): Promise<TenantRecord | null> {
    return this.cache.get(`domain:${domain}`, async () => {
      const found = await this.tenants.find({ domains: domain, status: { $ne: 'terminated' } }).limit(2).lean<TenantRow[]>().exec();
      return found.length === 1 ? toRecord(found[0]!) : null;
    });
  }

  /**
   * Moves each tenant's last activity forward (never back: `$max`, so several
   * API processes may write in any order). Not a change of the tenant: it
   * leaves `updatedAt` alone.
   */
  async recordActivity(seen: Map<string, Date>): Promise<void> {
    await Promise.all(
      [...seen].map(([id, at]) => this.serialized(id, () => this.tenants.updateOne({ _id: new Types.ObjectId(id) }, { $max: { lastActivityAt: at } }, { timestamps: false }).exec())),
    );
  }

  /**
   * Active tenants on `plan` whose workspace may sleep: created before
   * `before` and never served, or last served (as written) before
   * `servedBefore`; a workspace being woken is not among them.
   */
  async listIdle(plan: Plan, before: Date, servedBefore: Date): Promise<TenantRecord[]> {
    const rows = await this.tenants
      .find({
        status: 'active',
        plan,
        keepAwake: { $ne: true },
        workspaceStopped: { $ne: true },
        wakingSince: null,
        $or: [{ lastActivityAt: { $lt: servedBefore } }, { lastActivityAt: null, createdAt: { $lt: before } }],
      })
      .limit(500)
      .lean<TenantRow[]>()
      .exec();
    return rows.map(toRecord);
  }

  /** Tenants that are not terminated, by plan. */
  async countLiveByPlan(): Promise<Partial<Record<Plan, number>>> {
    const rows = await this.tenants.aggregate<{ _id: Plan; count: number }>([{ $match: { status: { $ne: 'terminated' } } }, { $group: { _id: '$plan', count: { $sum: 1 } } }]).exec();
    return Object.fromEntries(rows.map((row) => [row._id, row.count]));
  }

  /** The tenants on a plan that are not terminated, oldest first: what a change of the plan reprovisions. */
  async listLiveOnPlan(plan: Plan): Promise<TenantRecord[]> {
    const rows = await this.tenants.find({ plan, status: { $ne: 'terminated' } }).sort({ createdAt: 1, _id: 1 }).lean<TenantRow[]>().exec();
    return rows.map(toRecord);
  }

  /** How many tenants there are in each status. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.tenants.aggregate<{ _id: string; count: number }>([{ $group: { _id: '$status', count: { $sum: 1 } } }]).exec();
    return Object.fromEntries(rows.map((row) => [row._id, row.count]));
  }

  /** Live tenants with a provisioning step in error, most recently changed first. */
  async listInError(limit: number): Promise<TenantRecord[]> {
    const rows = await this.tenants
      .find({ status: { $ne: 'terminated' }, $or: PROVISIONING_STEPS.map((step) => ({ [`provisioning.${step}.state`]: 'error' })) })
      .sort({ updatedAt: -1 })
      .limit(limit)
      .lean<TenantRow[]>()
      .exec();
    return rows.map(toRecord);
  }

  /** Sign-ups waiting for an operator, oldest first. */
  async listAwaitingApproval(skip: number, limit: number): Promise<{ items: TenantRecord[]; total: number }> {
    const query = { approval: 'pending' as const };
    const [rows, total] = await Promise.all([
      this.tenants.find(query).sort({ createdAt: 1, _id: 1 }).skip(skip).limit(limit).lean<TenantRow[]>().exec(),
      this.tenants.countDocuments(query).exec(),
    ]);
    return { items: rows.map(toRecord), total };
  }

  /** Tenants listing custom domains (routed ones: only verified names are written there). */
  async listWithDomains(): Promise<TenantRecord[]> {
    const rows = await this.tenants.find({ domains: { $exists: true, $ne: [] } }).lean<TenantRow[]>().exec();
    return rows.map(toRecord);
  }

  /** Every tenant, oldest first: what reconcile-all walks through. */
  async listAll(): Promise<TenantRecord[]> {
    const rows = await this.tenants.find({}).sort({ createdAt: 1, _id: 1 }).lean<TenantRow[]>().exec();
    return rows.map(toRecord);
  }

  /**
   * Changes the status only if it is still `from`; null when it moved meanwhile.
   * Becoming active counts as activity, so a resumed or woken workspace is not
   * put to sleep by the next idle pass.
   */
  async transition(id: string, from: TenantStatus[], to: TenantStatus): Promise<TenantRecord | null> {
    const set = to === 'active' ? { status: to, lastActivityAt: this.clock.now() } : { status: to };
    const updated = await this.serialized(id, () => this.oneAndUpdate({ _id: new Types.ObjectId(id), status: { $in: from } }, { $set: set }));
    await this.forget(updated);
    return updated;
  }

  /**
   * Starts a wake: a sleeping tenant becomes active with `wakingSince` set,
   * or a wake whose process stopped is taken over (active, `wakingSince`
   * still set). Null when there is nothing to wake (woken meanwhile).
   */
  async beginWake(id: string): Promise<TenantRecord | null> {
    const now = this.clock.now();
    const updated = await this.serialized(id, () =>
      this.oneAndUpdate(
        { _id: new Types.ObjectId(id), $or: [{ status: 'sleeping' }, { status: 'active', wakingSince: { $ne: null } }] },
        { $set: { status: 'active', lastActivityAt: now, wakingSince: now } },
      ),
    );
    await this.forget(updated);
    return updated;
  }

  /** The wake is over (the workspace answers, or the wait gave up): every process lets requests through again. */
  async endWake(id: string): Promise<void> {
    const updated = await this.serialized(id, () => this.oneAndUpdate({ _id: new Types.ObjectId(id) }, { $set: { wakingSince: null } }));
    await this.forget(updated);
  }

  private async insert(tenant: NewTenant): Promise<TenantRecord> {
    const created = await this.tenants.create({
      ...tenant,
      partnerId: tenant.partnerId ? new Types.ObjectId(tenant.partnerId) : null,
      provisioning: this.pendingSteps(),
    });
    return toRecord(created.toObject({ flattenMaps: true }) as unknown as TenantRow);
  }

  private async one(filter: Record<string, unknown>): Promise<TenantRecord | null> {
    const row = await this.tenants.findOne(filter).lean<TenantRow>().exec();
    return row ? toRecord(row) : null;
  }

  private async oneAndUpdate(filter: Record<string, unknown>, update: Record<string, unknown>): Promise<TenantRecord | null> {
    const row = await this.tenants.findOneAndUpdate(filter, update, { returnDocument: 'after' }).lean<TenantRow>().exec();
    return row ? toRecord(row) : null;
  }

  private async forget(tenant: TenantRecord | null): Promise<void> {
    if (tenant) await this.bus.invalidate(...cacheKeys.tenant(tenant));
  }

  private serialized<T>(id: string, write: () => Promise<T>): Promise<T> {
    const run = (this.writes.get(id) ?? Promise.resolve()).catch(() => undefined).then(() => this.writeLeased(id, write));
    this.writes.set(id, run);
    void run
      .catch(() => undefined)
      .finally(() => {
        if (this.writes.get(id) === run) this.writes.delete(id);
      });
    return run;
  }

  /**
   * Runs the write while holding the tenant's write lease: a row in
   * `tenant_write_leases` that exists only while a process writes the tenant.
   * Taking it is an insert, which the primary key decides atomically on
   * FerretDB and MongoDB alike (a conditional update would not be: see
   * LeaseRepository). A holder that died leaves its row; once it has expired
   * (WRITE_LEASE_MS, far longer than any one write) the next writer removes
   * exactly that row and takes its own.
   */
  private async writeLeased<T>(id: string, write: () => Promise<T>): Promise<T> {
    const deadline = this.clock.monotonic() + WRITE_LEASE_WAIT_MS;
    let pause = 2;
    while (!(await this.takeWriteLease(id))) {
      if (this.clock.monotonic() >= deadline) throw DomainError.conflict('Another API process is still changing this tenant; try again in a moment');
      await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
      pause = Math.min(pause * 2, 50);
    }
    try {
      return await write();
    } finally {
      await this.leases.deleteOne({ _id: id, holder: this.holder });
    }
  }

  private async takeWriteLease(id: string): Promise<boolean> {
    const insert = async () => {
      try {
        await this.leases.insertOne({ _id: id, holder: this.holder, expiresAt: new Date(this.clock.now().getTime() + WRITE_LEASE_MS) });
        return true;
      } catch (error: unknown) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    };
    if (await insert()) return true;
    const current = await this.leases.findOne({ _id: id });
    if (current && current.expiresAt.getTime() > this.clock.now().getTime()) return false;
    if (current) await this.leases.deleteOne({ _id: id, holder: current.holder, expiresAt: current.expiresAt });
    return insert();
  }

  /** Every step pending, as a new tenant starts. */
  private pendingSteps(): Record<string, StepRecord> {
    const now = this.clock.now();
    return Object.fromEntries(PROVISIONING_STEPS.map((step) => [step, { state: 'pending', attempts: 0, updatedAt: now }]));
  }
}

/** The single edge target a tenant stored before several services (the field `edgeTarget`), if any. */
function legacyTarget(row: object): string | null {
  const value = (row as { edgeTarget?: unknown }).edgeTarget;
  return typeof value === 'string' && value ? value : null;
}
