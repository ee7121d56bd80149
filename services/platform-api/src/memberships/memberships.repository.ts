import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { TenantRole } from '@tessera/contracts';
import type { Model, Types } from 'mongoose';
import { Membership, type MembershipDocument } from './membership.schema';

@Injectable()
export class MembershipsRepository {
  constructor(@InjectModel(Membership.name) private readonly memberships: Model<Membership>) {}

  findActive(tenantId: Types.ObjectId, userId: Types.ObjectId): Promise<MembershipDocument | null> {
    return this.memberships.findOne({ tenantId, userId, removedAt: null }).exec();
  }

  listActiveForTenant(tenantId: Types.ObjectId): Promise<MembershipDocument[]> {
    return this.memberships.find({ tenantId, removedAt: null }).sort({ createdAt: 1 }).exec();
  }

  listActiveForUser(userId: Types.ObjectId): Promise<MembershipDocument[]> {
    return this.memberships.find({ userId, removedAt: null }).exec();
  }

  countActiveWithRole(tenantId: Types.ObjectId, role: TenantRole): Promise<number> {
    return this.memberships.countDocuments({ tenantId, role, removedAt: null }).exec();
  }

  /** Creates the membership, or revives a removed one with the given role. */
  upsert(tenantId: Types.ObjectId, userId: Types.ObjectId, role: TenantRole): Promise<MembershipDocument> {
    return this.memberships
      .findOneAndUpdate({ tenantId, userId }, { $set: { role, removedAt: null } }, { upsert: true, returnDocument: 'after' })
      .orFail()
      .exec();
  }

  setRole(id: Types.ObjectId, role: TenantRole): Promise<MembershipDocument | null> {
    return this.memberships.findByIdAndUpdate(id, { $set: { role } }, { returnDocument: 'after' }).exec();
  }

  markRemoved(id: Types.ObjectId, at: Date): Promise<MembershipDocument | null> {
    return this.memberships.findByIdAndUpdate(id, { $set: { removedAt: at } }, { returnDocument: 'after' }).exec();
  }
}
