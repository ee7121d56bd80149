import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PartnerRole, PartnerStatus, TenantRole, TenantStatus } from '@tessera/contracts';
import { Types, type Model } from 'mongoose';
import { CacheBus, cacheKeys } from '../common/cache-bus';
import type { ReadCache } from '../common/read-cache';
import { MODEL } from '../common/model-names';
import type { PartnerAccess, PartnerRoleGrant, SupportAccess, TenantAccess, TenantRoleGrant } from './access-records';

interface TenantRow {
  _id: Types.ObjectId;
  slug: string;
  status: TenantStatus;
  partnerId: Types.ObjectId | null;
}
interface PartnerRow {
  _id: Types.ObjectId;
  slug: string;
  status: PartnerStatus;
}
interface RoleRow {
  role: string;
}
interface GrantRow {
  _id: Types.ObjectId;
  decidedBy: Types.ObjectId | null;
}

/**
 * Every question the AccessGuard (and the edge) asks the database, in one
 * place: the tenant or partner a route names, the caller's role on it, an
 * operator's approved support grant. Answers are plain records, cached under
 * the same keys the feature repositories drop when they write (CacheBus), and
 * it reads the collections by model name, so the auth folder imports no
 * feature. The one write: memberships bootstrapped from group claims.
 */
@Injectable()
export class AccessRepository {
  private readonly tenants: ReadCache<TenantAccess | null>;
  private readonly partners: ReadCache<PartnerAccess | null>;
  private readonly roles: ReadCache<RoleRow | null>;

  constructor(
    @InjectModel(MODEL.tenant) private readonly tenantModel: Model<TenantRow>,
    @InjectModel(MODEL.membership) private readonly membershipModel: Model<RoleRow>,
    @InjectModel(MODEL.partner) private readonly partnerModel: Model<PartnerRow>,
    @InjectModel(MODEL.partnerMembership) private readonly partnerMembershipModel: Model<RoleRow>,
    @InjectModel(MODEL.supportGrant) private readonly grantModel: Model<GrantRow>,
    private readonly bus: CacheBus,
  ) {
    this.tenants = bus.cache();
    this.partners = bus.cache();
    this.roles = bus.cache();
  }

  tenantBySlug(slug: string): Promise<TenantAccess | null> {
    return this.tenants.get(`tenant:slug:${slug}`, async () => {
      const row = await this.tenantModel.findOne({ slug }, { slug: 1, status: 1, partnerId: 1 }).lean<TenantRow>().exec();
      return row ? { id: row._id.toHexString(), slug: row.slug, status: row.status, partnerId: row.partnerId?.toHexString() ?? null } : null;
    });
  }

  partnerBySlug(slug: string): Promise<PartnerAccess | null> {
    return this.partners.get(`partner:slug:${slug}`, async () => {
      const row = await this.partnerModel.findOne({ slug }, { slug: 1, status: 1 }).lean<PartnerRow>().exec();
      return row ? { id: row._id.toHexString(), slug: row.slug, status: row.status } : null;
    });
  }

  async tenantRole(tenantId: string, userId: string): Promise<TenantRoleGrant | null> {
    const [key] = cacheKeys.membership(tenantId, userId);
    const row = await this.roles.get(key!, () => this.roleOf(this.membershipModel, 'tenantId', tenantId, userId));
    return row ? { role: row.role as TenantRole } : null;
  }

  async partnerRole(partnerId: string, userId: string): Promise<PartnerRoleGrant | null> {
    const [key] = cacheKeys.partnerMembership(partnerId, userId);
    const row = await this.roles.get(key!, () => this.roleOf(this.partnerMembershipModel, 'partnerId', partnerId, userId));
    return row ? { role: row.role as PartnerRole } : null;
  }

  /** The operator's approved, unexpired grant on the tenant; never cached: it expires by the clock. */
  async supportGrant(tenantId: string, operatorUserId: string, now: Date): Promise<SupportAccess | null> {
    const row = await this.grantModel
      .findOne({ tenantId: new Types.ObjectId(tenantId), operatorUserId: new Types.ObjectId(operatorUserId), status: 'approved', expiresAt: { $gt: now } }, { decidedBy: 1 })
      .lean<GrantRow>()
      .exec();
    return row?.decidedBy ? { grantId: row._id.toHexString(), approvedBy: row.decidedBy.toHexString() } : null;
  }

  /** Gives the user `role` on the tenant with this slug, when it exists (group claims, first sign-in). */
  async bootstrapTenantRole(slug: string, userId: string, role: TenantRole): Promise<boolean> {
    const tenant = await this.tenantBySlug(slug);
    if (!tenant) return false;
    await this.bootstrap(this.membershipModel, 'tenantId', tenant.id, userId, role, cacheKeys.membership(tenant.id, userId));
    return true;
  }

  /** Puts the user on the team of the partner with this slug, when it exists. */
  async bootstrapPartnerRole(slug: string, userId: string, role: PartnerRole): Promise<boolean> {
    const partner = await this.partnerBySlug(slug);
    if (!partner) return false;
    await this.bootstrap(this.partnerMembershipModel, 'partnerId', partner.id, userId, role, cacheKeys.partnerMembership(partner.id, userId));
    return true;
  }

  private roleOf(model: Model<RoleRow>, scope: 'tenantId' | 'partnerId', scopeId: string, userId: string): Promise<RoleRow | null> {
    return model.findOne({ [scope]: new Types.ObjectId(scopeId), userId: new Types.ObjectId(userId), removedAt: null }, { role: 1 }).lean<RoleRow>().exec();
  }

  private async bootstrap(model: Model<RoleRow>, scope: 'tenantId' | 'partnerId', scopeId: string, userId: string, role: string, keys: string[]): Promise<void> {
    await model.updateOne({ [scope]: new Types.ObjectId(scopeId), userId: new Types.ObjectId(userId) }, { $set: { role, removedAt: null } }, { upsert: true }).exec();
    await this.bus.invalidate(...keys);
  }
}
