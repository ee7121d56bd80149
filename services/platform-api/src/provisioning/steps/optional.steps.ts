import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ProvisioningStep, skipped, type StepContext, type StepResult } from '../provisioning-step';

/**
 * Mail domains and file spaces are optional. Unconfigured, they record
 * `skipped` with the reason. Their clients (Stalwart, ownCloud Infinite
 * Scale) are not written yet: configured, they record an error that says so.
 */
@Injectable()
export class MailStep extends ProvisioningStep {
  readonly name = 'mail' as const;

  constructor(private readonly config: AppConfig) {
    super();
  }

  async ensure(_context: StepContext): Promise<StepResult> {
    if (!this.config.mail) return skipped('Mail is not configured (MAIL_API_URL)');
    return { state: 'error', error: 'The mail domain client is not implemented yet', drift: [] };
  }
}

@Injectable()
export class FilesStep extends ProvisioningStep {
  readonly name = 'files' as const;

  constructor(private readonly config: AppConfig) {
    super();
  }

  async ensure(_context: StepContext): Promise<StepResult> {
    if (!this.config.files) return skipped('File spaces are not configured (FILES_API_URL)');
    return { state: 'error', error: 'The file space client is not implemented yet', drift: [] };
  }
}
