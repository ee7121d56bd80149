export interface DirectoryGroup {
  id: string;
  name: string;
  attributes: Record<string, unknown>;
  /** The provider's ids of the members. */
  memberIds: number[];
}

export interface DirectoryUser {
  id: number;
  /** The `sub` of this user's tokens. */
  subject: string;
  username: string;
  email: string;
  name: string;
}

export interface TenantRef {
  id: string;
  slug: string;
}

export interface MembershipSync {
  added: string[];
  removed: string[];
  /** Wanted emails that have no user in the provider. */
  unknown: string[];
}

/** The group attributes that tie a group to its tenant. */
export const TENANT_ID_ATTRIBUTE = 'tessera_tenant_id';
export const TENANT_SLUG_ATTRIBUTE = 'tessera_tenant_slug';

/** The name of a tenant's group: it also grants membership through the documented group mapping. */
export const tenantGroupName = (slug: string) => `tenant:${slug}`;

/**
 * The identity provider's directory, as the platform needs it: one group per
 * tenant, its members, invitations and MFA status. Adapters: AuthentikDirectory
 * (works against Authentik and dev-idp alike).
 */
export abstract class IdentityDirectory {
  /** Finds or creates the tenant's group; its attributes record the tenant's slug and id. Idempotent. */
  abstract ensureTenantGroup(tenant: TenantRef): Promise<DirectoryGroup & { created: boolean }>;
  /** The tenant's group, or null when there is none. */
  abstract findTenantGroup(tenant: TenantRef): Promise<DirectoryGroup | null>;
  /** A group by its id (cheaper than by name), or null when it is gone. */
  abstract findGroupById(groupId: string): Promise<DirectoryGroup | null>;
  abstract renameGroup(groupId: string, name: string): Promise<DirectoryGroup>;
  abstract deleteGroup(groupId: string): Promise<void>;
  /** Makes the group's members exactly the users with these emails. */
  abstract syncMembers(groupId: string, emails: string[]): Promise<MembershipSync>;
  /** Creates the user unless one has this email, and adds them to the group when one is given. */
  abstract inviteUser(invitation: { email: string; name: string; groupId?: string }): Promise<DirectoryUser>;
  abstract removeFromGroup(groupId: string, userId: number): Promise<void>;
  abstract findUserByEmail(email: string): Promise<DirectoryUser | null>;
  /**
   * Puts the person with this email into the named group (creating the group
   * when missing) or takes them out of it. `found` is false when the provider
   * has no user with this email; `changed` whether membership changed. Idempotent.
   */
  abstract setNamedGroupMember(groupName: string, email: string, member: boolean): Promise<{ found: boolean; changed: boolean }>;
  /** Whether the person with this email is in the named group (false when either is missing). */
  abstract isNamedGroupMember(groupName: string, email: string): Promise<boolean>;
  /** Throws when the admin API does not answer or refuses the token. */
  abstract ping(): Promise<void>;
  /** How many confirmed MFA devices (TOTP, WebAuthn, …) the user has. */
  abstract countConfirmedMfaDevices(userId: number): Promise<number>;
}
