import { Injectable } from '@nestjs/common';
import type { PlatformSettings } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import type { UpdateSettingsDto } from './settings.dto';
import type { PlatformSettingsRecord } from './settings.schema';
import { SettingsRepository } from './settings.repository';

@Injectable()
export class SettingsService {
  constructor(private readonly settings: SettingsRepository) {}

  async read(): Promise<PlatformSettings> {
    return mapSettings(await this.settings.find());
  }

  /** Whether a portal sign-up waits for an operator before it is provisioned. */
  async signupApproval(): Promise<boolean> {
    return (await this.settings.find())?.signupApproval ?? false;
  }

  async update(dto: UpdateSettingsDto): Promise<Mutation<PlatformSettings>> {
    const before = mapSettings(await this.settings.find());
    const after = mapSettings(await this.settings.update({ signupApproval: dto.signupApproval }));
    return mutation(after, {
      action: 'settings.update',
      target: { type: 'settings', id: 'platform' },
      changes: before.signupApproval === after.signupApproval ? {} : { signupApproval: { from: before.signupApproval, to: after.signupApproval } },
    });
  }
}

function mapSettings(settings: PlatformSettingsRecord | null): PlatformSettings {
  return { signupApproval: settings?.signupApproval ?? false, updatedAt: settings?.updatedAt.toISOString() ?? null };
}
