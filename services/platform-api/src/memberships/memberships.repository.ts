import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { TenantRole } from '@tessera/contracts';
import type { Model } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { MembershipStore } from './membership-store';
import { Membership, type MembershipDocument } from './membership.schema';

/** Users' roles on tenants: read by every tenant route and by /users/me. */
@Injectable()
export class MembershipsRepository extends MembershipStore<TenantRole, MembershipDocument> {
  constructor(@InjectModel(Membership.name) memberships: Model<Membership>, config: AppConfig) {
    super(memberships, 'tenantId', config.readCacheTtlMs);
  }
}
