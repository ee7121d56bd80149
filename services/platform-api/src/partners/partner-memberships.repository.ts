import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PartnerRole } from '@tessera/contracts';
import type { Model } from 'mongoose';
import { CacheBus, cacheKeys } from '../common/cache-bus';
import { MODEL } from '../common/model-names';
import { MembershipStore } from '../memberships/membership-store';
import type { PartnerMembership } from './partner-membership.schema';

/** Users' access levels on partners: read by every partner route. */
@Injectable()
export class PartnerMembershipsRepository extends MembershipStore<PartnerRole> {
  constructor(@InjectModel(MODEL.partnerMembership) memberships: Model<PartnerMembership>, bus: CacheBus) {
    super(memberships, 'partnerId', bus, cacheKeys.partnerMembership);
  }
}
