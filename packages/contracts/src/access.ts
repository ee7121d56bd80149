/** Roles a user can hold on a tenant, from most to least powerful. */
export const TENANT_ROLES = ['owner', 'admin', 'member'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** Permissions on a tenant, named `resource.action`. */
export const TENANT_PERMISSIONS = [
  'tenant.read',
  'tenant.update',
  'members.read',
  'members.manage',
  'subscription.read',
  'workspace.manage',
  'workspace.logs',
  'tenant.reconcile',
  'support.manage',
  'backups.manage',
  'notifications.manage',
] as const;
export type TenantPermission = (typeof TENANT_PERMISSIONS)[number];

/** What each role may do on its tenant. Operators may do everything. */
export const ROLE_PERMISSIONS: Record<TenantRole, readonly TenantPermission[]> = {
  owner: TENANT_PERMISSIONS,
  admin: ['tenant.read', 'tenant.update', 'members.read', 'members.manage', 'subscription.read', 'workspace.manage'],
  member: ['tenant.read', 'members.read', 'subscription.read'],
};

/**
 * What operators may not do on a tenant by their role alone: its people and
 * what its workspace prints (its logs) need support access approved by one of
 * its owners, and so does opening its workspace (the edge checks that
 * itself); deciding on support access is for owners only. Starting, stopping
 * and restarting the workspace are operations on the platform, which
 * operators may do as they may suspend.
 */
export const SUPPORT_ACCESS_PERMISSIONS: readonly TenantPermission[] = ['members.read', 'members.manage', 'workspace.logs'];
export const OWNER_ONLY_PERMISSIONS: readonly TenantPermission[] = ['support.manage'];

/** Which kind of token a request came with, by its audience. */
export type Audience = 'portal' | 'operator' | 'ci';
