import type { Page, Tenant, TenantStatus } from './tenants';
import type { MrrBreakdown } from './plans';

export const PARTNER_STATUSES = ['active', 'terminated'] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];

/** Access levels on a partner, from most to least powerful. */
export const PARTNER_ROLES = ['admin', 'member'] as const;
export type PartnerRole = (typeof PARTNER_ROLES)[number];

export const PARTNER_PERMISSIONS = ['partner.read', 'partner.tenants.manage', 'partner.team.manage', 'partner.settings.manage'] as const;
export type PartnerPermission = (typeof PARTNER_PERMISSIONS)[number];

/** Admins run the partner; members look after its customers. Operators may do everything. */
export const PARTNER_ROLE_PERMISSIONS: Record<PartnerRole, readonly PartnerPermission[]> = {
  admin: PARTNER_PERMISSIONS,
  member: ['partner.read', 'partner.tenants.manage'],
};

export interface PartnerContact {
  name: string | null;
  email: string | null;
  phone: string | null;
}

export interface PartnerBilling {
  company: string | null;
  address: string | null;
  vatId: string | null;
  email: string | null;
}

/** White-label branding, shown to the partner's customers in the portal. */
export interface Branding {
  displayName: string | null;
  logoUrl: string | null;
  /** `#rrggbb` */
  primaryColor: string | null;
  accentColor: string | null;
  supportUrl: string | null;
}

export interface Partner {
  id: string;
  slug: string;
  name: string;
  status: PartnerStatus;
  /** The partner's share of its customers' gross MRR, in percent. */
  marginPct: number;
  contact: PartnerContact;
  billing: PartnerBilling;
  notificationEmail: string | null;
  branding: Branding;
  createdAt: string;
  updatedAt: string;
}

/** Monthly recurring revenue in one currency, in minor units (docs/partners.md). */
export interface Mrr {
  currency: string;
  /** Sum of the monthly prices of the partner's subscriptions that count towards MRR (MRR_STATUSES, tenant not suspended). */
  gross: number;
  /** gross × marginPct / 100, rounded to a minor unit: what the partner earns. */
  margin: number;
}

/** A partner as the operators' list shows it, with figures computed in the database. */
export interface PartnerSummary extends Partner {
  /** Tenants attached to the partner that are not terminated. */
  customerCount: number;
  mrr: Mrr[];
}

export interface CreatePartnerRequest {
  slug: string;
  name: string;
  marginPct?: number;
}

export interface PartnerTeamMember {
  userId: string;
  email: string;
  name: string;
  role: PartnerRole;
  /** Confirmed authenticators in the identity provider; null when it could not be asked. */
  mfaDevices: number | null;
  mfaEnabled: boolean | null;
  createdAt: string;
}

export type PartnerAlertKind = 'provisioning_error' | 'suspended' | 'provisioning_stuck' | 'payment_past_due';

export interface PartnerAlert {
  kind: PartnerAlertKind;
  tenantId: string;
  tenantSlug: string;
  message: string;
  /** When the condition started, as far as the records tell. */
  since: string;
}

export type PartnerTenantPage = Page<Tenant>;

/** The operators' dashboard: tenants by status, MRR in total and per partner, tenants in error. */
export interface PlatformOverview {
  tenantsByStatus: Record<TenantStatus, number>;
  mrr: {
    /** Every subscription that counts (MRR_STATUSES, tenant not suspended), direct and through partners, per currency. */
    total: { currency: string; gross: number }[];
    partners: { partnerId: string; partnerSlug: string; partnerName: string; mrr: Mrr[] }[];
    breakdown: MrrBreakdown;
  };
  /** Live tenants with a provisioning step in error (the 50 most recently changed). */
  inError: Tenant[];
}
