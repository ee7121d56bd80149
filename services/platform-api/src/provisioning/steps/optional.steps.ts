import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { FileSpaces } from '../../integrations/files/file-spaces.port';
import { MailDomains } from '../../integrations/mail/mail-domains.port';
import { ProvisioningStep, type StepContext, type StepResult } from '../provisioning-step';

/** File space quota by plan, in GiB. */
const SPACE_QUOTA_GIB = { free: 1, starter: 10, business: 100, enterprise: 1000 } as const;

/** The tenant's mail domain (`<slug>.<base domain>`), when mail is configured. Kept when the tenant ends. */
@Injectable()
export class MailStep extends ProvisioningStep {
  readonly name = 'mail' as const;

  constructor(
    private readonly config: AppConfig,
    private readonly domains: MailDomains,
  ) {
    super();
  }

  async ensure({ tenant }: StepContext): Promise<StepResult> {
    const ensured = await this.domains.ensureDomain(`${tenant.slug}.${this.config.baseDomain}`, `Tessera tenant ${tenant.slug}`);
    const firstRun = !tenant.provisioning['mail']?.handle;
    return { state: 'ok', handle: ensured.handle, drift: ensured.created && !firstRun ? ['mail domain missing'] : [] };
  }
}

/** The tenant's file space (`tessera-<slug>`), when files are configured. Kept when the tenant ends. */
@Injectable()
export class FilesStep extends ProvisioningStep {
  readonly name = 'files' as const;

  constructor(private readonly spaces: FileSpaces) {
    super();
  }

  async ensure({ tenant }: StepContext): Promise<StepResult> {
    const ensured = await this.spaces.ensureSpace(`tessera-${tenant.slug}`, `Files of ${tenant.name}`, SPACE_QUOTA_GIB[tenant.plan] * 1024 ** 3);
    const firstRun = !tenant.provisioning['files']?.handle;
    return { state: 'ok', handle: ensured.handle, drift: ensured.created && !firstRun ? ['file space missing'] : [] };
  }
}
