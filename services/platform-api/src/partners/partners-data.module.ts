import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { PartnerMembership, PartnerMembershipSchema } from './partner-membership.schema';
import { PartnerMembershipsRepository } from './partner-memberships.repository';
import { Partner, PartnerSchema } from './partner.schema';
import { PartnersRepository } from './partners.repository';

/** The partners and their teams alone, for the modules that read them (auth, flags, /users/me). */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Partner.name, schema: PartnerSchema },
      { name: PartnerMembership.name, schema: PartnerMembershipSchema },
    ]),
  ],
  providers: [PartnersRepository, PartnerMembershipsRepository],
  exports: [PartnersRepository, PartnerMembershipsRepository],
})
export class PartnersDataModule {}
