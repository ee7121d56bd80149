import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { TenantRole } from '@tessera/contracts';
import type { Model } from 'mongoose';
import { CacheBus, cacheKeys } from '../common/cache-bus';
import { MODEL } from '../common/model-names';
import { MembershipStore } from './membership-store';
import type { Membership } from './membership.schema';

/** Users' roles on tenants: read by every tenant route and by /users/me. */
@Injectable()
export class MembershipsRepository extends MembershipStore<TenantRole> {
  constructor(@InjectModel(MODEL.membership) memberships: Model<Membership>, bus: CacheBus) {
    super(memberships, 'tenantId', bus, cacheKeys.membership);
  }
}
