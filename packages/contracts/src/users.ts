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

/** A person as the operators' People list shows them. */
export interface PersonSummary {
  id: string;
  email: string;
  name: string;
  username: string | null;
  platformAdmin: boolean;
  /** When an operator disabled the account; null while it may sign in. */
  disabledAt: string | null;
  /**
   * The last time the person used Tessera: refreshed by any request at most
   * hourly, and within a minute whenever an app opens (GET /users/me).
   */
  lastSeenAt: string | null;
  createdAt: string;
  /** Tenants the person is a member of, with their role. */
  tenants: { id: string; slug: string; name: string; role: TenantRole }[];
  /** Partners whose team the person is on, with their access level. */
  partners: { id: string; slug: string; name: string; role: PartnerRole }[];
}


/** One person, for the console's person page. */
export interface PersonDetail extends PersonSummary {
  subject: string;
  /**
   * The identity provider's platform-admins group (`AUTH_ADMIN_GROUP`): whether
   * the person is in it, or null when the provider could not be asked (the
   * reason in `note`). The database's `platformAdmin` is what authorizes; the
   * group is what a new account is created from.
   */
  adminGroup: { name: string; member: boolean | null; note: string | null };
}

/** What a change to a person answers: the person as they are now, and what was done, in a sentence. */
export interface PersonChange {
  person: PersonDetail;
  message: string;
}
