import type { Audience, TenantRole } from './access';

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
}
