import type { Audience, TenantRole } from './access';
import type { PartnerRole } from './partners';
import type { TenantApproval, TenantStatus } from './tenants';

export interface UserMembership {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  /** A terminated (or rejected) tenant is kept and readable: the portal lists it apart, never as a live workspace. */
  tenantStatus: TenantStatus;
  /** `rejected`: a sign-up an operator turned down (its status is terminated). */
  approval: TenantApproval | null;
  role: TenantRole;
}

export interface Me {
  id: string;
  subject: string;
  email: string;
  name: string;
  platformAdmin: boolean;
  audience: Audience[];
  memberships: UserMembership[];
  /** Partners whose team the user is on. */
  partners: { partnerId: string; partnerSlug: string; role: PartnerRole }[];
}
