import { Injectable } from '@nestjs/common';
import { IdentityDirectory } from '../../integrations/identity/identity-directory.port';
import { ProvisioningStep, type StepContext, type StepResult } from '../provisioning-step';

/** The tenant's group in the identity provider, kept even when the tenant ends. */
@Injectable()
export class IdentityStep extends ProvisioningStep {
  readonly name = 'identity' as const;

  constructor(private readonly directory: IdentityDirectory) {
    super();
  }

  async ensure({ tenant }: StepContext): Promise<StepResult> {
    const ref = { id: tenant._id.toHexString(), slug: tenant.slug };
    const existing = await this.directory.findTenantGroup(ref);
    const group = await this.directory.ensureTenantGroup(ref);
    const firstRun = !tenant.provisioning?.get('identity')?.handle;
    return { state: 'ok', handle: group.id, drift: existing || firstRun ? [] : ['identity group missing'] };
  }
}
