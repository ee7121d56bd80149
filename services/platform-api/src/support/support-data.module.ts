import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SupportGrantRecord, SupportGrantSchema } from './support-grant.schema';
import { SupportGrantsRepository } from './support-grants.repository';

/** The support grants alone, for the AccessGuard. */
@Module({
  imports: [MongooseModule.forFeature([{ name: SupportGrantRecord.name, schema: SupportGrantSchema }])],
  providers: [SupportGrantsRepository],
  exports: [SupportGrantsRepository],
})
export class SupportDataModule {}
