import { Injectable } from '@nestjs/common';
import { AuthenticatorsApi, Configuration, CoreApi, FetchError, ResponseError, type Group, type User } from '@goauthentik/api';
import { AppConfig } from '../../config/app-config';
import {
  IdentityDirectory,
  TENANT_ID_ATTRIBUTE,
  TENANT_SLUG_ATTRIBUTE,
  tenantGroupName,
  type DirectoryGroup,
  type DirectoryUser,
  type MembershipSync,
  type TenantRef,
} from './identity-directory.port';
import { IntegrationError, isIntegrationError } from '../integration-error';

const TENANT_ID = TENANT_ID_ATTRIBUTE;
const TENANT_SLUG = TENANT_SLUG_ATTRIBUTE;

/**
 * IdentityDirectory on Authentik's admin API, through the official client.
 * dev-idp answers the same paths and shapes, so this runs unchanged on both.
 */
@Injectable()
export class AuthentikDirectory extends IdentityDirectory {
  private readonly core: CoreApi;
  private readonly authenticators: AuthenticatorsApi;

  constructor(config: AppConfig) {
    super();
    const { url, token, timeoutMs } = config.identity;
    const configuration = new Configuration({
      basePath: `${url.replace(/\/$/, '')}/api/v3`,
      accessToken: token,
      fetchApi: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
    this.core = new CoreApi(configuration);
    this.authenticators = new AuthenticatorsApi(configuration);
  }

  async findTenantGroup(tenant: TenantRef): Promise<DirectoryGroup | null> {
    const { results } = await this.call(() => this.core.coreGroupsList({ name: tenantGroupName(tenant.slug), includeUsers: false }));
    return results[0] ? toGroup(results[0]) : null;
  }

  async findGroupById(groupId: string): Promise<DirectoryGroup | null> {
    try {
      return toGroup(await this.call(() => this.core.coreGroupsRetrieve({ groupUuid: groupId, includeUsers: false })));
    } catch (error: unknown) {
      if (isIntegrationError(error, 'identity') && error.code === 'not_found') return null;
      throw error;
    }
  }

  async ensureTenantGroup(tenant: TenantRef): Promise<DirectoryGroup & { created: boolean }> {
    const attributes = { [TENANT_ID]: tenant.id, [TENANT_SLUG]: tenant.slug };
    const existing = await this.findTenantGroup(tenant);
    if (existing) {
      const ownedBy = existing.attributes[TENANT_ID];
      if (ownedBy !== undefined && ownedBy !== tenant.id) {
        throw new IntegrationError('identity', 'conflict', `The group ${existing.name} belongs to another tenant (${String(ownedBy)})`);
      }
      if (ownedBy === tenant.id && existing.attributes[TENANT_SLUG] === tenant.slug) return { ...existing, created: false };
      const updated = await this.call(() =>
        this.core.coreGroupsPartialUpdate({ groupUuid: existing.id, patchedGroupRequest: { attributes: { ...existing.attributes, ...attributes } } }),
      );
      return { ...toGroup(updated), created: false };
    }
    try {
      const created = await this.call(() => this.core.coreGroupsCreate({ groupRequest: { name: tenantGroupName(tenant.slug), attributes } }));
      return { ...toGroup(created), created: true };
    } catch (error: unknown) {
      // Another caller created it meanwhile: converge on theirs.
      const raced = isIntegrationError(error, 'identity') && error.code === 'conflict' ? await this.findTenantGroup(tenant) : null;
      if (raced && raced.attributes[TENANT_ID] === tenant.id) return { ...raced, created: false };
      throw error;
    }
  }

  async renameGroup(groupId: string, name: string): Promise<DirectoryGroup> {
    return toGroup(await this.call(() => this.core.coreGroupsPartialUpdate({ groupUuid: groupId, patchedGroupRequest: { name } })));
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.call(() => this.core.coreGroupsDestroy({ groupUuid: groupId }));
  }

  async syncMembers(groupId: string, emails: string[]): Promise<MembershipSync> {
    const group = toGroup(await this.call(() => this.core.coreGroupsRetrieve({ groupUuid: groupId, includeUsers: false })));
    const wanted = new Map<number, string>();
    const unknown: string[] = [];
    for (const email of new Set(emails.map((e) => e.toLowerCase()))) {
      const user = await this.findUserByEmail(email);
      if (user) wanted.set(user.id, email);
      else unknown.push(email);
    }
    const current = new Set(group.memberIds);
    const added: string[] = [];
    const removed: string[] = [];
    for (const [id, email] of wanted) {
      if (current.has(id)) continue;
      await this.call(() => this.core.coreGroupsAddUserCreate({ groupUuid: groupId, userAccountRequest: { pk: id } }));
      added.push(email);
    }
    for (const id of current) {
      if (wanted.has(id)) continue;
      await this.removeFromGroup(groupId, id);
      removed.push(String(id));
    }
    return { added, removed, unknown };
  }

  async inviteUser(invitation: { email: string; name: string; groupId?: string }): Promise<DirectoryUser> {
    const email = invitation.email.toLowerCase();
    const user =
      (await this.findUserByEmail(email)) ??
      toUser(await this.call(() => this.core.coreUsersCreate({ userRequest: { username: email, name: invitation.name, email, isActive: true } })));
    if (invitation.groupId) {
      const groupId = invitation.groupId;
      await this.call(() => this.core.coreGroupsAddUserCreate({ groupUuid: groupId, userAccountRequest: { pk: user.id } }));
    }
    return user;
  }

  async removeFromGroup(groupId: string, userId: number): Promise<void> {
    await this.call(() => this.core.coreGroupsRemoveUserCreate({ groupUuid: groupId, userAccountRequest: { pk: userId } }));
  }

  async findUserByEmail(email: string): Promise<DirectoryUser | null> {
    const { results } = await this.call(() => this.core.coreUsersList({ email: email.toLowerCase() }));
    return results[0] ? toUser(results[0]) : null;
  }

  async setNamedGroupMember(groupName: string, email: string, member: boolean): Promise<{ found: boolean; changed: boolean }> {
    const user = await this.findUserByEmail(email);
    if (!user) return { found: false, changed: false };
    const { results } = await this.call(() => this.core.coreGroupsList({ name: groupName, includeUsers: false }));
    let group = results[0] ? toGroup(results[0]) : null;
    if (!group) {
      if (!member) return { found: true, changed: false };
      group = toGroup(await this.call(() => this.core.coreGroupsCreate({ groupRequest: { name: groupName } })));
    }
    if (group.memberIds.includes(user.id) === member) return { found: true, changed: false };
    const groupId = group.id;
    if (member) await this.call(() => this.core.coreGroupsAddUserCreate({ groupUuid: groupId, userAccountRequest: { pk: user.id } }));
    else await this.removeFromGroup(groupId, user.id);
    return { found: true, changed: true };
  }

  async isNamedGroupMember(groupName: string, email: string): Promise<boolean> {
    const user = await this.findUserByEmail(email);
    if (!user) return false;
    const { results } = await this.call(() => this.core.coreGroupsList({ name: groupName, includeUsers: false }));
    return results[0] ? toGroup(results[0]).memberIds.includes(user.id) : false;
  }

  async ping(): Promise<void> {
    await this.call(() => this.core.coreGroupsList({ name: '__tessera_health__', includeUsers: false }));
  }

  async countConfirmedMfaDevices(userId: number): Promise<number> {
    const devices = await this.call(() => this.authenticators.authenticatorsAdminAllList({ user: userId }));
    return devices.filter((device) => device.confirmed).length;
  }

  /** Runs one API call and turns every failure into an IntegrationError. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error: unknown) {
      throw await toDirectoryError(error);
    }
  }
}

async function toDirectoryError(error: unknown): Promise<IntegrationError> {
  if (error instanceof ResponseError) {
    const status = error.response.status;
    const detail = await error.response.text().catch(() => '');
    if (status === 404) return new IntegrationError('identity', 'not_found', `The identity provider has no such record (${detail.slice(0, 200)})`);
    if (status === 400 && /already exists/i.test(detail)) return new IntegrationError('identity', 'conflict', `The identity provider refused a duplicate: ${detail.slice(0, 200)}`);
    return new IntegrationError('identity', 'unavailable', `The identity provider answered ${status}: ${detail.slice(0, 200)}`);
  }
  if (error instanceof FetchError || error instanceof TypeError || (error instanceof Error && error.name === 'TimeoutError')) {
    return new IntegrationError('identity', 'unavailable', 'The identity provider could not be reached');
  }
  return new IntegrationError('identity', 'unavailable', `The identity provider call failed: ${String(error)}`);
}

function toGroup(group: Group): DirectoryGroup {
  return { id: group.pk, name: group.name, attributes: group.attributes ?? {}, memberIds: group.users ?? [] };
}

function toUser(user: User): DirectoryUser {
  return { id: user.pk, subject: user.uid, username: user.username, email: user.email ?? '', name: user.name };
}
