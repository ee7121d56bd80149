import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { SupportGrantRecord, type SupportGrantDocument } from './support-grant.schema';

@Injectable()
export class SupportGrantsRepository {
  constructor(@InjectModel(SupportGrantRecord.name) private readonly grants: Model<SupportGrantRecord>) {}

  create(grant: Pick<SupportGrantRecord, 'tenantId' | 'operatorUserId' | 'reason'>): Promise<SupportGrantDocument> {
    return this.grants.create({ ...grant, status: 'pending' });
  }

  findById(id: Types.ObjectId): Promise<SupportGrantDocument | null> {
    return this.grants.findById(id).exec();
  }

  /** A tenant's requests, newest first. */
  listForTenant(tenantId: Types.ObjectId): Promise<SupportGrantDocument[]> {
    return this.grants.find({ tenantId }).sort({ createdAt: -1 }).limit(100).exec();
  }

  /** The operator's approved, unexpired grant on the tenant, if any: what the AccessGuard asks. */
  findActive(tenantId: Types.ObjectId, operatorUserId: Types.ObjectId, now: Date): Promise<SupportGrantDocument | null> {
    return this.grants.findOne({ tenantId, operatorUserId, status: 'approved', expiresAt: { $gt: now } }).exec();
  }

  /** Moves a grant on from `from`; null when it had moved already. */
  decide(id: Types.ObjectId, from: SupportGrantRecord['status'], changes: Pick<SupportGrantRecord, 'status' | 'decidedAt' | 'decidedBy' | 'expiresAt'>): Promise<SupportGrantDocument | null> {
    return this.grants.findOneAndUpdate({ _id: id, status: from }, { $set: changes }, { returnDocument: 'after' }).exec();
  }
}
