import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { User, type UserDocument } from './user.schema';

export type UserProfile = Pick<User, 'email' | 'name' | 'username'>;

@Injectable()
export class UsersRepository {
  /** Users by subject: every authenticated request looks its actor up here. */
  private readonly bySubject: ReadCache<UserDocument | null>;
  /** Users by id: every request through the edge looks its user up here. */
  private readonly byId: ReadCache<UserDocument | null>;

  constructor(
    @InjectModel(User.name) private readonly users: Model<User>,
    config: AppConfig,
  ) {
    this.bySubject = new ReadCache(config.readCacheTtlMs);
    this.byId = new ReadCache(config.readCacheTtlMs);
  }

  findById(id: Types.ObjectId): Promise<UserDocument | null> {
    return this.byId.get(id.toHexString(), () => this.users.findById(id).exec());
  }

  findBySubject(subject: string): Promise<UserDocument | null> {
    return this.bySubject.get(subject, () => this.users.findOne({ subject }).exec());
  }

  findByEmail(email: string): Promise<UserDocument | null> {
    return this.users.findOne({ email: email.toLowerCase() }).exec();
  }

  findByIds(ids: Types.ObjectId[]): Promise<UserDocument[]> {
    return this.users.find({ _id: { $in: ids } }).exec();
  }

  /**
   * Inserts the user; when another request inserted the same subject first,
   * returns that one instead (created = false).
   */
  async insert(user: Pick<User, 'subject' | 'email' | 'name' | 'username' | 'platformAdmin' | 'lastSeenAt'>): Promise<{ user: UserDocument; created: boolean }> {
    this.bySubject.invalidate(user.subject);
    try {
      return { user: await this.users.create(user), created: true };
    } catch (error: unknown) {
      const existing = isDuplicateKeyError(error) ? await this.findBySubject(user.subject) : null;
      if (!existing) throw error;
      return { user: existing, created: false };
    }
  }

  async updateProfile(id: Types.ObjectId, profile: UserProfile & { lastSeenAt: Date }): Promise<UserDocument | null> {
    const updated = await this.users.findByIdAndUpdate(id, { $set: profile }, { returnDocument: 'after' }).exec();
    if (updated) {
      this.bySubject.invalidate(updated.subject);
      this.byId.invalidate(updated._id.toHexString());
    }
    return updated;
  }
}
