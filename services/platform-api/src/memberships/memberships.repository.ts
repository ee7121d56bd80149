import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { TenantRole } from '@tessera/contracts';
import type { Model, Types } from 'mongoose';
import { ReadCache } from '../common/read-cache';
import { AppConfig } from '../config/app-config';
import { Membership, type MembershipDocument } from './membership.schema';

@Injectable()
export class MembershipsRepository {
  /** A user's membership of a tenant, and a user's memberships: read by every tenant route and by /users/me. */
  private readonly one: ReadCache<MembershipDocument | null>;
  private readonly ofUser: ReadCache<MembershipDocument[]>;

  constructor(
    @InjectModel(Membership.name) private readonly memberships: Model<Membership>,
    config: AppConfig,
  ) {
    this.one = new ReadCache(config.readCacheTtlMs);
    this.ofUser = new ReadCache(config.readCacheTtlMs);
  }

  findActive(tenantId: Types.ObjectId, userId: Types.ObjectId): Promise<MembershipDocument | null> {
    return this.one.get(`${tenantId.toHexString()}:${userId.toHexString()}`, () => this.memberships.findOne({ tenantId, userId, removedAt: null }).exec());
  }

  listActiveForTenant(tenantId: Types.ObjectId): Promise<MembershipDocument[]> {
    return this.memberships.find({ tenantId, removedAt: null }).sort({ createdAt: 1 }).exec();
  }

  listActiveForUser(userId: Types.ObjectId): Promise<MembershipDocument[]> {
    return this.ofUser.get(userId.toHexString(), () => this.memberships.find({ userId, removedAt: null }).exec());
  }

  countActiveWithRole(tenantId: Types.ObjectId, role: TenantRole): Promise<number> {
    return this.memberships.countDocuments({ tenantId, role, removedAt: null }).exec();
  }

  /** Creates the membership, or revives a removed one with the given role. */
  async upsert(tenantId: Types.ObjectId, userId: Types.ObjectId, role: TenantRole): Promise<MembershipDocument> {
    this.forget({ tenantId, userId });
    const membership = await this.memberships
      .findOneAndUpdate({ tenantId, userId }, { $set: { role, removedAt: null } }, { upsert: true, returnDocument: 'after' })
      .orFail()
      .exec();
    this.forget(membership);
    return membership;
  }

  async setRole(id: Types.ObjectId, role: TenantRole): Promise<MembershipDocument | null> {
    const updated = await this.memberships.findByIdAndUpdate(id, { $set: { role } }, { returnDocument: 'after' }).exec();
    this.forget(updated);
    return updated;
  }

  async markRemoved(id: Types.ObjectId, at: Date): Promise<MembershipDocument | null> {
    const updated = await this.memberships.findByIdAndUpdate(id, { $set: { removedAt: at } }, { returnDocument: 'after' }).exec();
    this.forget(updated);
    return updated;
  }

  private forget(membership: { tenantId: Types.ObjectId; userId: Types.ObjectId } | null): void {
    if (!membership) return;
    this.one.invalidate(`${membership.tenantId.toHexString()}:${membership.userId.toHexString()}`);
    this.ofUser.invalidate(membership.userId.toHexString());
  }
}
