import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import type { UserRecord } from './user.schema';
import { UsersRepository, type UserProfile } from './users.repository';

/** What a verified token says about the person behind it. */
export interface TokenIdentity {
  subject: string;
  email: string | null;
  name: string | null;
  username: string | null;
  groups: string[];
}

/** How stale lastSeenAt may grow before a request refreshes it. */
const LAST_SEEN_RESOLUTION_MS = 60 * 60 * 1000;
/** How stale lastSeenAt may grow before an app opening (GET /users/me) refreshes it. */
const APP_OPENED_RESOLUTION_MS = 60 * 1000;

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Whether this person may still be served: not disabled. Read through the
   * users cache, as every request's token is (ActorService), so an open stream
   * learns of a disable within the same bound: at once in this process,
   * READ_CACHE_SYNC_MS in the others.
   */
  async stillEnabled(userId: string): Promise<boolean> {
    const user = await this.users.findById(userId);
    return user !== null && !user.disabledAt;
  }

  /**
   * The local user for someone invited through the identity provider, created
   * ahead of their first sign-in under the subject their tokens will carry.
   */
  async ensureInvited(invited: { subject: string; email: string; name: string; username: string }): Promise<UserRecord> {
    const existing = await this.users.findBySubject(invited.subject);
    if (existing) return existing;
    const { user } = await this.users.insert({
      subject: invited.subject,
      email: invited.email.toLowerCase(),
      name: invited.name || invited.email,
      username: invited.username,
      platformAdmin: false,
      lastSeenAt: null,
    });
    return user;
  }

  /**
   * An app opened for this person (each app reads GET /users/me when a page
   * loads, first of all right after signing in): the operators' People list
   * shows when they were last seen, to the minute.
   */
  async recordAppOpened(user: UserRecord): Promise<UserRecord> {
    const now = this.clock.now();
    if (user.lastSeenAt && now.getTime() - user.lastSeenAt.getTime() < APP_OPENED_RESOLUTION_MS) return user;
    return (await this.users.touch(user.id, now)) ?? user;
  }

  /**
   * Finds the user behind a token, creating it on first sight and updating its
   * profile when the token's claims changed. Writes nothing otherwise.
   * `platformAdmin` is taken from the admin group only on creation; after
   * that the database is the authority.
   */
  async syncFromToken(token: TokenIdentity): Promise<{ user: UserRecord; created: boolean }> {
    const profile = profileOf(token);
    const now = this.clock.now();
    const existing = await this.users.findBySubject(token.subject);
    if (!existing) {
      return this.users.insert({
        subject: token.subject,
        ...profile,
        platformAdmin: token.groups.includes(this.config.auth.adminGroup),
        lastSeenAt: now,
      });
    }
    const stale = !existing.lastSeenAt || now.getTime() - existing.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS;
    const changed = existing.email !== profile.email || existing.name !== profile.name || existing.username !== profile.username;
    if (!changed && !stale) return { user: existing, created: false };
    const updated = await this.users.updateProfile(existing.id, { ...profile, lastSeenAt: now });
    return { user: updated ?? existing, created: false };
  }
}

function profileOf(token: TokenIdentity): UserProfile {
  return {
    email: (token.email ?? '').toLowerCase(),
    name: token.name ?? token.username ?? token.email ?? token.subject,
    username: token.username,
  };
}
