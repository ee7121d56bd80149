import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { MODEL } from '../common/model-names';
import type { TenantDomainClaim, DomainClaimRecord } from './domain.schema';

type ClaimRow = TenantDomainClaim & { _id: Types.ObjectId };

const toRecord = (row: ClaimRow): DomainClaimRecord => ({
  id: row._id.toHexString(),
  name: row.name,
  tenantId: row.tenantId.toHexString(),
  state: row.state,
  token: row.token,
  verifiedAt: row.verifiedAt ?? null,
  lastCheckedAt: row.lastCheckedAt ?? null,
  lastError: row.lastError ?? null,
  createdAt: row.createdAt,
});

/** The tenant_domains collection: claims on custom domains. The unique keys decide every race (see the schema). */
@Injectable()
export class DomainsRepository {
  constructor(@InjectModel(MODEL.domainClaim) private readonly claims: Model<TenantDomainClaim>) {}

  /** A new pending claim; null when the tenant has a live claim on the name already. */
  async addPending(tenantId: string, name: string, token: string): Promise<DomainClaimRecord | null> {
    const _id = new Types.ObjectId();
    try {
      const row = await this.claims.create({ _id, name, tenantId: new Types.ObjectId(tenantId), state: 'pending', key: `${tenantId}:${name}`, owner: `pending:${_id.toHexString()}`, token });
      return toRecord(row.toObject() as ClaimRow);
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  /** The tenant's live claims (pending and verified), oldest first. */
  async listLive(tenantId: string): Promise<DomainClaimRecord[]> {
    const rows = await this.claims
      .find({ tenantId: new Types.ObjectId(tenantId), state: { $in: ['pending', 'verified'] } })
      .sort({ createdAt: 1, _id: 1 })
      .lean<ClaimRow[]>()
      .exec();
    return rows.map(toRecord);
  }

  async findLive(tenantId: string, name: string): Promise<DomainClaimRecord | null> {
    const row = await this.claims.findOne({ key: `${tenantId}:${name}` }).lean<ClaimRow>().exec();
    return row ? toRecord(row) : null;
  }

  /** The ids of the tenants with a pending claim: what reconcile-all checks, in one query. */
  async tenantsWithPending(): Promise<Set<string>> {
    const rows = await this.claims.find({ state: 'pending' }, { tenantId: 1 }).lean<Pick<ClaimRow, 'tenantId'>[]>().exec();
    return new Set(rows.map((row) => row.tenantId.toHexString()));
  }

  /**
   * Marks a pending claim verified, taking the name's one owner slot: false
   * when another tenant owns the name already (the unique index says so).
   */
  async markVerified(id: string, name: string, at: Date): Promise<boolean> {
    try {
      await this.claims.updateOne({ _id: new Types.ObjectId(id), state: 'pending' }, { $set: { state: 'verified', owner: name, verifiedAt: at, lastCheckedAt: at, lastError: null } }).exec();
      return true;
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async recordCheck(id: string, at: Date, error: string): Promise<void> {
    await this.claims.updateOne({ _id: new Types.ObjectId(id) }, { $set: { lastCheckedAt: at, lastError: error } }).exec();
  }

  /** Ends a live claim and frees its name and key for anyone. */
  async markRemoved(id: string, at: Date): Promise<void> {
    await this.claims
      .updateOne({ _id: new Types.ObjectId(id) }, { $set: { state: 'removed', key: `removed:${id}`, owner: `removed:${id}`, removedAt: at } })
      .exec();
  }
}
