import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { CacheBus, cacheKeys } from '../common/cache-bus';
import { MODEL } from '../common/model-names';
import type { SupportGrant, SupportGrantRecord, SupportGrantStatus } from './support-grant.schema';

type GrantRow = SupportGrant & { _id: Types.ObjectId; tenantId: Types.ObjectId; operatorUserId: Types.ObjectId; decidedBy: Types.ObjectId | null };

const toRecord = (row: GrantRow): SupportGrantRecord => ({
  id: row._id.toHexString(),
  tenantId: row.tenantId.toHexString(),
  operatorUserId: row.operatorUserId.toHexString(),
  reason: row.reason,
  status: row.status,
  decidedAt: row.decidedAt ?? null,
  decidedBy: row.decidedBy ? row.decidedBy.toHexString() : null,
  expiresAt: row.expiresAt ?? null,
  createdAt: row.createdAt,
});

@Injectable()
export class SupportGrantsRepository {
  constructor(
    @InjectModel(MODEL.supportGrant) private readonly grants: Model<SupportGrant>,
    private readonly bus: CacheBus,
  ) {}

  async create(grant: { tenantId: string; operatorUserId: string; reason: string }): Promise<SupportGrantRecord> {
    const created = await this.grants.create({ tenantId: new Types.ObjectId(grant.tenantId), operatorUserId: new Types.ObjectId(grant.operatorUserId), reason: grant.reason, status: 'pending' });
    return toRecord(created.toObject() as GrantRow);
  }

  async findById(id: string): Promise<SupportGrantRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const row = await this.grants.findById(id).lean<GrantRow>().exec();
    return row ? toRecord(row) : null;
  }

  /** A tenant's requests, newest first. */
  async listForTenant(tenantId: string): Promise<SupportGrantRecord[]> {
    const rows = await this.grants.find({ tenantId: new Types.ObjectId(tenantId) }).sort({ createdAt: -1 }).limit(100).lean<GrantRow[]>().exec();
    return rows.map(toRecord);
  }

  /** Moves a grant on from `from`; null when it had moved already. */
  async decide(
    id: string,
    from: SupportGrantStatus,
    changes: { status: SupportGrantStatus; decidedAt: Date; decidedBy: string; expiresAt: Date | null },
  ): Promise<SupportGrantRecord | null> {
    const row = await this.grants
      .findOneAndUpdate({ _id: new Types.ObjectId(id), status: from }, { $set: { ...changes, decidedBy: new Types.ObjectId(changes.decidedBy) } }, { returnDocument: 'after' })
      .lean<GrantRow>()
      .exec();
    if (!row) return null;
    const decided = toRecord(row);
    await this.bus.invalidate(...cacheKeys.supportGrant(decided.tenantId, decided.operatorUserId));
    return decided;
  }

  /** Approved grants that ran out between `from` and `to` (the expiry sweep tells their owners). */
  async listExpiredBetween(from: Date, to: Date): Promise<SupportGrantRecord[]> {
    const rows = await this.grants.find({ status: 'approved', expiresAt: { $gt: from, $lte: to } }).sort({ expiresAt: 1 }).limit(500).lean<GrantRow[]>().exec();
    return rows.map(toRecord);
  }
}
