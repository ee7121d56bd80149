import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PartnerRole } from '@tessera/contracts';
import type { Model } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { MembershipStore } from '../memberships/membership-store';
import { PartnerMembership, type PartnerMembershipDocument } from './partner-membership.schema';

/** Users' access levels on partners: read by every partner route. */
@Injectable()
export class PartnerMembershipsRepository extends MembershipStore<PartnerRole, PartnerMembershipDocument> {
  constructor(@InjectModel(PartnerMembership.name) memberships: Model<PartnerMembership>, config: AppConfig) {
    super(memberships, 'partnerId', config.readCacheTtlMs);
  }
}
