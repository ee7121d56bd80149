import type { Audience, TenantRole } from './access';
import type { PartnerRole } from './partners';

export interface UserMembership {
  tenantId: string;
  tenantSlug: string;
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
