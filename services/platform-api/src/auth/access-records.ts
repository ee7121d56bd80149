import type { PartnerRole, PartnerStatus, TenantRole, TenantStatus } from '@tessera/contracts';

/**
 * What the AccessGuard knows about the records a route names: just enough to
 * decide, as plain data. Features load the full records themselves.
 */
export interface TenantAccess {
  id: string;
  slug: string;
  status: TenantStatus;
  partnerId: string | null;
}

export interface PartnerAccess {
  id: string;
  slug: string;
  status: PartnerStatus;
}

export interface TenantRoleGrant {
  role: TenantRole;
}

export interface PartnerRoleGrant {
  role: PartnerRole;
}

/** An operator's owner-approved support grant on a tenant. */
export interface SupportAccess {
  grantId: string;
  approvedBy: string;
}
