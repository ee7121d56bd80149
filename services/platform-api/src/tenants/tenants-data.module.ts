import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Tenant, TenantSchema } from './tenant.schema';
import { TenantsRepository } from './tenants.repository';

/** The tenants collection alone, for the modules that read tenants (auth, audit, provisioning). */
@Module({
  imports: [MongooseModule.forFeature([{ name: Tenant.name, schema: TenantSchema }])],
  providers: [TenantsRepository],
  exports: [TenantsRepository],
})
export class TenantsDataModule {}
