import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { CacheBus, cacheKeys } from '../common/cache-bus';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import type { ReadCache } from '../common/read-cache';
import { MODEL } from '../common/model-names';
import type { User, UserRecord } from './user.schema';

export type UserProfile = Pick<User, 'email' | 'name' | 'username'>;

/** The People list's filters: part of a name or email, disabled or not, platform admin or not. */
export interface PeopleFilter {
  search?: string;
  disabled?: boolean;
  platformAdmin?: boolean;
}
type UserRow = User & { _id: Types.ObjectId };

const toRecord = (row: UserRow): UserRecord => ({
  id: row._id.toHexString(),
  subject: row.subject,
  email: row.email,
  name: row.name,
  username: row.username ?? null,
  platformAdmin: row.platformAdmin,
  lastSeenAt: row.lastSeenAt ?? null,
  disabledAt: row.disabledAt ?? null,
  createdAt: row.createdAt,
});

@Injectable()
export class UsersRepository {
  /** Users by `user:subject:<sub>` (every authenticated request) and `user:id:<id>` (every request through the edge). */
  private readonly cache: ReadCache<UserRecord | null>;

  constructor(
    @InjectModel(MODEL.user) private readonly users: Model<User>,
    private readonly bus: CacheBus,
  ) {
    this.cache = bus.cache();
  }

  findById(id: string): Promise<UserRecord | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    return this.cache.get(`user:id:${id}`, () => this.one({ _id: new Types.ObjectId(id) }));
  }

  /** The user as the database holds it now, past the read cache: for the changes operators make. */
  fresh(id: string): Promise<UserRecord | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    return this.one({ _id: new Types.ObjectId(id) });
  }

  findBySubject(subject: string): Promise<UserRecord | null> {
    return this.cache.get(`user:subject:${subject}`, () => this.one({ subject }));
  }

  findByEmail(email: string): Promise<UserRecord | null> {
    return this.one({ email: email.toLowerCase() });
  }

  async findByIds(ids: string[]): Promise<UserRecord[]> {
    const rows = await this.users.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }).lean<UserRow[]>().exec();
    return rows.map(toRecord);
  }

  /**
   * Inserts the user; when another request inserted the same subject first,
   * returns that one instead (created = false).
   */
  async insert(user: Pick<User, 'subject' | 'email' | 'name' | 'username' | 'platformAdmin' | 'lastSeenAt'>): Promise<{ user: UserRecord; created: boolean }> {
    await this.bus.invalidate(`user:subject:${user.subject}`);
    try {
      const created = await this.users.create(user);
      return { user: toRecord(created.toObject() as UserRow), created: true };
    } catch (error: unknown) {
      const existing = isDuplicateKeyError(error) ? await this.findBySubject(user.subject) : null;
      if (!existing) throw error;
      return { user: existing, created: false };
    }
  }

  async updateProfile(id: string, profile: UserProfile & { lastSeenAt: Date }): Promise<UserRecord | null> {
    const row = await this.users.findByIdAndUpdate(id, { $set: profile }, { returnDocument: 'after' }).lean<UserRow>().exec();
    const updated = row ? toRecord(row) : null;
    if (updated) await this.bus.invalidate(...cacheKeys.user(updated));
    return updated;
  }

  /** A page of people, newest first. The search text is matched literally (escaped), case-insensitively. */
  async list(filter: PeopleFilter, skip: number, limit: number): Promise<{ items: UserRecord[]; total: number }> {
    const query: Record<string, unknown> = {};
    const search = filter.search?.trim();
    if (search) {
      const escaped = search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      query['$or'] = [{ name: { $regex: escaped, $options: 'i' } }, { email: { $regex: escaped, $options: 'i' } }, { username: { $regex: escaped, $options: 'i' } }];
    }
    if (filter.disabled !== undefined) query['disabledAt'] = filter.disabled ? { $ne: null } : null;
    if (filter.platformAdmin !== undefined) query['platformAdmin'] = filter.platformAdmin;
    const [rows, total] = await Promise.all([
      this.users.find(query).sort({ createdAt: -1, _id: -1 }).skip(skip).limit(limit).lean<UserRow[]>().exec(),
      this.users.countDocuments(query).exec(),
    ]);
    return { items: rows.map(toRecord), total };
  }

  /** Platform admins who may still sign in. */
  countEnabledPlatformAdmins(): Promise<number> {
    return this.users.countDocuments({ platformAdmin: true, disabledAt: null }).exec();
  }

  /** Disables (a date) or re-enables (null) the account; the caches of this process drop the user at once. */
  setDisabled(id: string, disabledAt: Date | null): Promise<UserRecord | null> {
    return this.write(id, { disabledAt });
  }

  setPlatformAdmin(id: string, platformAdmin: boolean): Promise<UserRecord | null> {
    return this.write(id, { platformAdmin });
  }

  /** Refreshes lastSeenAt alone. */
  touch(id: string, lastSeenAt: Date): Promise<UserRecord | null> {
    return this.write(id, { lastSeenAt });
  }

  private async write(id: string, set: Partial<User>): Promise<UserRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const row = await this.users.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).lean<UserRow>().exec();
    const updated = row ? toRecord(row) : null;
    if (updated) await this.bus.invalidate(...cacheKeys.user(updated));
    return updated;
  }

  private async one(filter: Record<string, unknown>): Promise<UserRecord | null> {
    const row = await this.users.findOne(filter).lean<UserRow>().exec();
    return row ? toRecord(row) : null;
  }
}
