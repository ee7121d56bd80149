import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import { DockerContainerRuntime } from '../integrations/containers/docker.adapter';
import { EdgeRouter } from '../integrations/edge/edge-router.port';
import { TraefikFileEdgeRouter } from '../integrations/edge/traefik-file.adapter';
import { FileSpaces } from '../integrations/files/file-spaces.port';
import { OcisFileSpaces } from '../integrations/files/ocis.adapter';
import { IdentityModule } from '../integrations/identity/identity.module';
import { DomainsModule } from '../domains/domains.module';
import { MailDomains } from '../integrations/mail/mail-domains.port';
import { StalwartMailDomains } from '../integrations/mail/stalwart.adapter';
import { TenantsDataModule } from '../tenants/tenants-data.module';
import { LeaseRepository } from './lease.repository';
import { PROVISIONING_STEP_LIST, type ProvisioningStep } from './provisioning-step';
import { ProvisioningController } from './provisioning.controller';
import { ReconcileService } from './reconcile.service';
import { IdentityStep } from './steps/identity.step';
import { FilesStep, MailStep } from './steps/optional.steps';
import { RouteStep } from './steps/route.step';
import { WorkspaceStep } from './steps/workspace.step';
import { WorkspaceService } from './workspace.service';

const STEPS = [IdentityStep, WorkspaceStep, RouteStep, MailStep, FilesStep];

@Module({
  imports: [TenantsDataModule, AuditModule, IdentityModule, DomainsModule],
  controllers: [ProvisioningController],
  providers: [
    ...STEPS,
    { provide: PROVISIONING_STEP_LIST, useFactory: (...steps: ProvisioningStep[]) => steps, inject: STEPS },
    { provide: ContainerRuntime, useClass: DockerContainerRuntime },
    { provide: EdgeRouter, useClass: TraefikFileEdgeRouter },
    { provide: MailDomains, useClass: StalwartMailDomains },
    { provide: FileSpaces, useClass: OcisFileSpaces },
    LeaseRepository,
    ReconcileService,
    WorkspaceService,
  ],
  exports: [ReconcileService, WorkspaceService, ContainerRuntime, EdgeRouter, MailDomains, FileSpaces],
})
export class ProvisioningModule {}
