import type { Model, Types } from 'mongoose';
import { ReadCache } from '../common/read-cache';

/** What a membership of a tenant or of a partner has in common. */
export interface MembershipRecord<Role extends string> {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  role: Role;
  removedAt: Date | null;
  createdAt: Date;
}

/**
 * Users' roles on a scope (a tenant, a partner): one per user and scope,
 * removal sets removedAt and a new grant revives it. The per-request lookups
 * are cached and forgotten on every write.
 */
export class MembershipStore<Role extends string, Doc extends MembershipRecord<Role>> {
  private readonly one: ReadCache<Doc | null>;
  private readonly ofUser: ReadCache<Doc[]>;

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the two membership models differ only in the scope field
    private readonly model: Model<any>,
    private readonly scope: 'tenantId' | 'partnerId',
    cacheTtlMs: number,
  ) {
    this.one = new ReadCache(cacheTtlMs);
    this.ofUser = new ReadCache(cacheTtlMs);
  }

  findActive(scopeId: Types.ObjectId, userId: Types.ObjectId): Promise<Doc | null> {
    return this.one.get(`${scopeId.toHexString()}:${userId.toHexString()}`, () => this.model.findOne({ [this.scope]: scopeId, userId, removedAt: null }).exec() as Promise<Doc | null>);
  }

  listActiveFor(scopeId: Types.ObjectId): Promise<Doc[]> {
    return this.model.find({ [this.scope]: scopeId, removedAt: null }).sort({ createdAt: 1 }).exec() as Promise<Doc[]>;
  }

  listActiveForUser(userId: Types.ObjectId): Promise<Doc[]> {
    return this.ofUser.get(userId.toHexString(), () => this.model.find({ userId, removedAt: null }).exec() as Promise<Doc[]>);
  }

  countActiveWithRole(scopeId: Types.ObjectId, role: Role): Promise<number> {
    return this.model.countDocuments({ [this.scope]: scopeId, role, removedAt: null }).exec();
  }

  /** Creates the membership, or revives a removed one with the given role. */
  async upsert(scopeId: Types.ObjectId, userId: Types.ObjectId, role: Role): Promise<Doc> {
    this.forget(scopeId, userId);
    const membership = (await this.model
      .findOneAndUpdate({ [this.scope]: scopeId, userId }, { $set: { role, removedAt: null } }, { upsert: true, returnDocument: 'after' })
      .orFail()
      .exec()) as Doc;
    this.forget(scopeId, userId);
    return membership;
  }

  async setRole(id: Types.ObjectId, role: Role): Promise<Doc | null> {
    return this.write(id, { role });
  }

  async markRemoved(id: Types.ObjectId, at: Date): Promise<Doc | null> {
    return this.write(id, { removedAt: at });
  }

  private async write(id: Types.ObjectId, set: Partial<MembershipRecord<Role>>): Promise<Doc | null> {
    const updated = (await this.model.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).exec()) as Doc | null;
    if (updated) this.forget((updated as unknown as Record<string, Types.ObjectId>)[this.scope]!, updated.userId);
    return updated;
  }

  private forget(scopeId: Types.ObjectId, userId: Types.ObjectId): void {
    this.one.invalidate(`${scopeId.toHexString()}:${userId.toHexString()}`);
    this.ofUser.invalidate(userId.toHexString());
  }
}
