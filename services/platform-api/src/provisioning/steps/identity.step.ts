import { Injectable } from '@nestjs/common';
import { IdentityDirectory, TENANT_ID_ATTRIBUTE } from '../../integrations/identity/identity-directory.port';
import { ProvisioningStep, type StepContext, type StepResult } from '../provisioning-step';

/** The tenant's group in the identity provider, kept even when the tenant ends. */
@Injectable()
export class IdentityStep extends ProvisioningStep {
  readonly name = 'identity' as const;

  constructor(private readonly directory: IdentityDirectory) {
    super();
  }

  async ensure({ tenant }: StepContext): Promise<StepResult> {
    const ref = { id: tenant.id, slug: tenant.slug };
    // Converged: the group we made is still there, still this tenant's (one lookup by id).
    const handle = tenant.provisioning['identity']?.handle;
    const known = handle ? await this.directory.findGroupById(handle) : null;
    if (known && known.attributes[TENANT_ID_ATTRIBUTE] === ref.id) return { state: 'ok', handle: known.id, drift: [] };
    const group = await this.directory.ensureTenantGroup(ref);
    return { state: 'ok', handle: group.id, drift: group.created && handle ? ['identity group missing'] : [] };
  }
}
