import { Types, type Model } from 'mongoose';
import type { CacheBus } from '../common/cache-bus';
import type { ReadCache } from '../common/read-cache';

/** A user's role on a tenant or a partner, as the rest of the API sees it. */
export interface MembershipRecord<Role extends string> {
  id: string;
  userId: string;
  /** The tenant's or the partner's id. */
  scopeId: string;
  role: Role;
  removedAt: Date | null;
  createdAt: Date;
}

interface MembershipRow {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  tenantId?: Types.ObjectId;
  partnerId?: Types.ObjectId;
  role: string;
  removedAt: Date | null;
  createdAt: Date;
}

/**
 * Users' roles on a scope (a tenant, a partner): one per user and scope,
 * removal sets removedAt and a new grant revives it. The per-request lookups
 * are cached under the keys of `keysOf` and dropped, everywhere, on every write.
 */
export class MembershipStore<Role extends string> {
  private readonly one: ReadCache<MembershipRecord<Role> | null>;
  private readonly ofUser: ReadCache<MembershipRecord<Role>[]>;

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the two membership models differ only in the scope field
    private readonly model: Model<any>,
    private readonly scope: 'tenantId' | 'partnerId',
    private readonly bus: CacheBus,
    /** The cache keys of one membership: [its own, the user's list]. */
    private readonly keysOf: (scopeId: string, userId: string) => string[],
  ) {
    this.one = bus.cache();
    this.ofUser = bus.cache();
  }

  findActive(scopeId: string, userId: string): Promise<MembershipRecord<Role> | null> {
    const [key] = this.keysOf(scopeId, userId);
    return this.one.get(key!, async () => {
      const row = await this.model.findOne({ [this.scope]: new Types.ObjectId(scopeId), userId: new Types.ObjectId(userId), removedAt: null }).lean<MembershipRow>().exec();
      return row ? this.toRecord(row) : null;
    });
  }

  async findById(id: string): Promise<MembershipRecord<Role> | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const row = await this.model.findById(id).lean<MembershipRow>().exec();
    return row ? this.toRecord(row) : null;
  }

  async listActiveFor(scopeId: string): Promise<MembershipRecord<Role>[]> {
    const rows = await this.model.find({ [this.scope]: new Types.ObjectId(scopeId), removedAt: null }).sort({ createdAt: 1 }).lean<MembershipRow[]>().exec();
    return rows.map((row) => this.toRecord(row));
  }

  listActiveForUser(userId: string): Promise<MembershipRecord<Role>[]> {
    const [, key] = this.keysOf('', userId);
    return this.ofUser.get(key!, async () => {
      const rows = await this.model.find({ userId: new Types.ObjectId(userId), removedAt: null }).lean<MembershipRow[]>().exec();
      return rows.map((row) => this.toRecord(row));
    });
  }

  /** The active memberships of several users at once (a page of the People list). */
  async listActiveForUsers(userIds: string[]): Promise<MembershipRecord<Role>[]> {
    if (userIds.length === 0) return [];
    const rows = await this.model.find({ userId: { $in: userIds.map((id) => new Types.ObjectId(id)) }, removedAt: null }).lean<MembershipRow[]>().exec();
    return rows.map((row) => this.toRecord(row));
  }

  countActiveWithRole(scopeId: string, role: Role): Promise<number> {
    return this.model.countDocuments({ [this.scope]: new Types.ObjectId(scopeId), role, removedAt: null }).exec();
  }

  /** Creates the membership, or revives a removed one with the given role. */
  async upsert(scopeId: string, userId: string, role: Role): Promise<MembershipRecord<Role>> {
    await this.bus.invalidate(...this.keysOf(scopeId, userId));
    const row = await this.model
      .findOneAndUpdate({ [this.scope]: new Types.ObjectId(scopeId), userId: new Types.ObjectId(userId) }, { $set: { role, removedAt: null } }, { upsert: true, returnDocument: 'after' })
      .lean<MembershipRow>()
      .orFail()
      .exec();
    await this.bus.invalidate(...this.keysOf(scopeId, userId));
    return this.toRecord(row);
  }

  setRole(id: string, role: Role): Promise<MembershipRecord<Role> | null> {
    return this.write(id, { role });
  }

  markRemoved(id: string, at: Date): Promise<MembershipRecord<Role> | null> {
    return this.write(id, { removedAt: at });
  }

  private async write(id: string, set: Record<string, unknown>): Promise<MembershipRecord<Role> | null> {
    const row = await this.model.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).lean<MembershipRow>().exec();
    if (!row) return null;
    const updated = this.toRecord(row);
    await this.bus.invalidate(...this.keysOf(updated.scopeId, updated.userId));
    return updated;
  }

  private toRecord(row: MembershipRow): MembershipRecord<Role> {
    return {
      id: row._id.toHexString(),
      userId: row.userId.toHexString(),
      scopeId: (row[this.scope] as Types.ObjectId).toHexString(),
      role: row.role as Role,
      removedAt: row.removedAt ?? null,
      createdAt: row.createdAt,
    };
  }
}
