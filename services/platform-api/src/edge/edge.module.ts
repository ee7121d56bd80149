import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { MembershipsModule } from '../memberships/memberships.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { SupportDataModule } from '../support/support-data.module';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { UsersModule } from '../users/users.module';
import { EdgeActivity } from './edge-activity';
import { EdgeTicketUse, EdgeTicketUseSchema } from './edge-ticket-use.schema';
import { EdgeTicketUsesRepository } from './edge-ticket-uses.repository';
import { EdgeController } from './edge.controller';
import { EdgeService } from './edge.service';
import { WorkspaceSleep } from './workspace-sleep.service';

/** Traefik's forwardAuth endpoint, edge sessions, last activity, idle sleep and wake. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: EdgeTicketUse.name, schema: EdgeTicketUseSchema }]),
    TenantsDataModule,
    UsersModule,
    MembershipsModule,
    SupportDataModule,
    ProvisioningModule,
    AuditModule,
  ],
  controllers: [EdgeController],
  providers: [EdgeService, EdgeActivity, EdgeTicketUsesRepository, WorkspaceSleep],
  exports: [WorkspaceSleep],
})
export class EdgeModule {}
