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
  'tenant.reconcile',
] as const;
export type TenantPermission = (typeof TENANT_PERMISSIONS)[number];

/** What each role may do on its tenant. Operators may do everything. */
export const ROLE_PERMISSIONS: Record<TenantRole, readonly TenantPermission[]> = {
  owner: TENANT_PERMISSIONS,
  admin: ['tenant.read', 'tenant.update', 'members.read', 'members.manage', 'subscription.read', 'workspace.manage'],
  member: ['tenant.read', 'members.read', 'subscription.read'],
};

/** Which kind of token a request came with, by its audience. */
export type Audience = 'portal' | 'operator' | 'ci';
