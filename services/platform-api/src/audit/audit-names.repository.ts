import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { MODEL } from '../common/model-names';

interface PersonRow {
  _id: Types.ObjectId;
  subject: string;
  name: string;
  email: string;
}
interface RoleRow {
  userId: Types.ObjectId;
  tenantId?: Types.ObjectId;
  partnerId?: Types.ObjectId;
  role: string;
  removedAt: Date | null;
}
interface NamedRow {
  _id: Types.ObjectId;
  slug: string;
  name: string | null;
}

export interface AuditPerson {
  id: string;
  subject: string;
  name: string;
  email: string;
}
export interface AuditNamed {
  id: string;
  slug: string;
  name: string;
}
/** A person's role on a tenant or partner, removed ones included (they may have acted before they left). */
export interface AuditRole {
  userId: string;
  scopeId: string;
  role: string;
  removed: boolean;
}

const oids = (ids: Iterable<string>) => [...new Set(ids)].filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));

/**
 * The names an audit page shows, read for the whole page at once: one query
 * per collection (people, tenant roles, partner roles, tenants, partners),
 * never one per event. It reads the collections by model name, so the audit
 * folder imports no feature; it never writes.
 */
@Injectable()
export class AuditNamesRepository {
  constructor(
    @InjectModel(MODEL.user) private readonly users: Model<PersonRow>,
    @InjectModel(MODEL.membership) private readonly memberships: Model<RoleRow>,
    @InjectModel(MODEL.partnerMembership) private readonly partnerMemberships: Model<RoleRow>,
    @InjectModel(MODEL.tenant) private readonly tenants: Model<NamedRow>,
    @InjectModel(MODEL.partner) private readonly partners: Model<NamedRow>,
  ) {}

  async people(ids: Iterable<string>): Promise<AuditPerson[]> {
    const wanted = oids(ids);
    if (!wanted.length) return [];
    const rows = await this.users.find({ _id: { $in: wanted } }, { subject: 1, name: 1, email: 1 }).lean<PersonRow[]>().exec();
    return rows.map((row) => ({ id: row._id.toHexString(), subject: row.subject, name: row.name ?? '', email: row.email ?? '' }));
  }

  /** People whose name or email holds the text (case-insensitive, taken literally): at most `limit`. */
  async peopleMatching(text: string, limit: number): Promise<AuditPerson[]> {
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const rows = await this.users
      .find({ $or: [{ name: { $regex: escaped, $options: 'i' } }, { email: { $regex: escaped, $options: 'i' } }] }, { subject: 1, name: 1, email: 1 })
      .limit(limit)
      .lean<PersonRow[]>()
      .exec();
    return rows.map((row) => ({ id: row._id.toHexString(), subject: row.subject, name: row.name ?? '', email: row.email ?? '' }));
  }

  async tenantRoles(userIds: Iterable<string>, tenantIds: Iterable<string>): Promise<AuditRole[]> {
    return this.roles(this.memberships, 'tenantId', userIds, tenantIds);
  }

  async partnerRoles(userIds: Iterable<string>, partnerIds: Iterable<string>): Promise<AuditRole[]> {
    return this.roles(this.partnerMemberships, 'partnerId', userIds, partnerIds);
  }

  tenantsById(ids: Iterable<string>): Promise<AuditNamed[]> {
    return this.named(this.tenants, ids);
  }

  partnersById(ids: Iterable<string>): Promise<AuditNamed[]> {
    return this.named(this.partners, ids);
  }

  private async roles(model: Model<RoleRow>, scope: 'tenantId' | 'partnerId', userIds: Iterable<string>, scopeIds: Iterable<string>): Promise<AuditRole[]> {
    const users = oids(userIds);
    const scopes = oids(scopeIds);
    if (!users.length || !scopes.length) return [];
    const rows = await model.find({ userId: { $in: users }, [scope]: { $in: scopes } }, { userId: 1, [scope]: 1, role: 1, removedAt: 1 }).lean<RoleRow[]>().exec();
    return rows.map((row) => ({ userId: row.userId.toHexString(), scopeId: row[scope]!.toHexString(), role: row.role, removed: row.removedAt !== null && row.removedAt !== undefined }));
  }

  private async named(model: Model<NamedRow>, ids: Iterable<string>): Promise<AuditNamed[]> {
    const wanted = oids(ids);
    if (!wanted.length) return [];
    const rows = await model.find({ _id: { $in: wanted } }, { slug: 1, name: 1 }).lean<NamedRow[]>().exec();
    return rows.map((row) => ({ id: row._id.toHexString(), slug: row.slug, name: row.name || row.slug }));
  }
}
