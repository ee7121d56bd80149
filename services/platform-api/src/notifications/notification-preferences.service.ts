import { Injectable } from '@nestjs/common';
import { NOTIFICATION_KINDS, PERSONAL_NOTIFICATION_CHANNELS, type NotificationPreferences } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { isSecurityKind } from './notification-recipients';
import type { PreferenceChangeDto } from './notifications.dto';
import { NotificationPreferencesRepository } from './notifications.repository';

/** Each person's choice of what they hear of, by kind and channel; security kinds are always on. */
@Injectable()
export class NotificationPreferencesService {
  constructor(private readonly preferences: NotificationPreferencesRepository) {}

  async read(actor: Actor): Promise<NotificationPreferences> {
    return this.describe(await this.preferences.mutedOf(this.userOf(actor)));
  }

  async update(actor: Actor, changes: PreferenceChangeDto[]): Promise<Mutation<NotificationPreferences>> {
    const userId = this.userOf(actor);
    const locked = changes.filter((change) => !change.enabled && isSecurityKind(change.kind));
    if (locked.length > 0) {
      throw DomainError.invalid(
        Object.fromEntries(locked.map((change) => [`items.${changes.indexOf(change)}.enabled`, [`${change.kind} is a security notice: it cannot be turned off`]])),
        'Security notices (support access requested, approved or ended) cannot be turned off',
      );
    }
    const before = await this.preferences.mutedOf(userId);
    const after = new Set(before);
    for (const change of changes) {
      const entry = `${change.kind}:${change.channel}`;
      if (change.enabled) after.delete(entry);
      else after.add(entry);
    }
    const muted = [...after].sort();
    await this.preferences.setMuted(userId, muted);
    return mutation(this.describe(after), {
      action: 'notifications.preferences.update',
      target: { type: 'user', id: userId },
      changes: { muted: { from: [...before].sort(), to: muted } },
    });
  }

  private describe(muted: Set<string>): NotificationPreferences {
    return {
      items: NOTIFICATION_KINDS.flatMap((kind) =>
        PERSONAL_NOTIFICATION_CHANNELS.map((channel) => ({ kind, channel, locked: isSecurityKind(kind), enabled: isSecurityKind(kind) || !muted.has(`${kind}:${channel}`) })),
      ),
    };
  }

  private userOf(actor: Actor): string {
    if (!actor.user) throw DomainError.forbidden('Notification preferences are for people, not machines');
    return actor.user.id;
  }
}
