import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MembershipsModule } from '../memberships/memberships.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { FeatureFlagRecord, FeatureFlagSchema } from './flag.schema';
import { FlagsController } from './flags.controller';
import { FlagsRepository } from './flags.repository';
import { FlagsService } from './flags.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: FeatureFlagRecord.name, schema: FeatureFlagSchema }]), TenantsDataModule, MembershipsModule],
  controllers: [FlagsController],
  providers: [FlagsRepository, FlagsService],
})
export class FlagsModule {}
