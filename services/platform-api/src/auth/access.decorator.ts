import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { PartnerPermission, TenantPermission } from '@tessera/contracts';
import type { Request } from 'express';
import type { PartnerAccess, PartnerRoleGrant, TenantAccess, TenantRoleGrant } from './access-records';
import type { Actor } from './actor';

/**
 * Who may call a route. Every route declares exactly one rule; a route
 * without one is refused (and the route-table test fails).
 */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'edge' }
  | { kind: 'authenticated' }
  | { kind: 'operator'; tenant: boolean }
  | { kind: 'machine'; orOperator: boolean }
  | { kind: 'tenant'; permission: TenantPermission; orMachine?: boolean }
  | { kind: 'partner'; permission: PartnerPermission | null };

export const ACCESS_RULE = 'tessera:access-rule';

export const Access = {
  /** No token needed (health, docs). */
  public: () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule),
  /** Traefik reading the routes: no token, the route source's shared secret (EDGE_ROUTES_SECRET) in X-Tessera-Edge-Secret. */
  edge: () => SetMetadata(ACCESS_RULE, { kind: 'edge' } satisfies AccessRule),
  /** Any valid token from a trusted issuer for a trusted audience. */
  authenticated: () => SetMetadata(ACCESS_RULE, { kind: 'authenticated' } satisfies AccessRule),
  /** Operator-audience token AND platformAdmin in the database. */
  operator: () => SetMetadata(ACCESS_RULE, { kind: 'operator', tenant: false } satisfies AccessRule),
  /** As operator, on the tenant named by the `:slug` parameter. */
  operatorOnTenant: () => SetMetadata(ACCESS_RULE, { kind: 'operator', tenant: true } satisfies AccessRule),
  /** The CI audience; with orOperator, operators too. */
  machine: (options: { orOperator?: boolean } = {}) =>
    SetMetadata(ACCESS_RULE, { kind: 'machine', orOperator: options.orOperator ?? false } satisfies AccessRule),
  /** A membership on the tenant named by the `:slug` parameter whose role grants `permission`, or an operator. */
  tenant: (permission: TenantPermission, options: { orMachine?: boolean } = {}) =>
    SetMetadata(ACCESS_RULE, { kind: 'tenant', permission, orMachine: options.orMachine ?? false } satisfies AccessRule),
  /**
   * A membership on the partner named by `:partner` whose access level grants
   * `permission`, or an operator. When the route also names a tenant (`:slug`),
   * that tenant must be one of the partner's: every partner route gets this
   * check from here, so none can forget it.
   */
  partner: (permission: PartnerPermission) => SetMetadata(ACCESS_RULE, { kind: 'partner', permission } satisfies AccessRule),
  /** As operator, on the partner named by `:partner` (and the partner's tenant named by `:slug`). */
  operatorOnPartner: () => SetMetadata(ACCESS_RULE, { kind: 'partner', permission: null } satisfies AccessRule),
};

export const WHEN_TERMINATED = 'tessera:when-terminated';

/**
 * A change the AccessGuard lets through on a terminated tenant. Every other
 * change of a terminated (or rejected) tenant, and every change of a
 * terminated partner, is refused with 409 before the route runs: they are
 * kept and readable, never changed. `why` says what the route does there.
 */
export const AllowedWhenTerminated = (why: string) => SetMetadata(WHEN_TERMINATED, why);

export const READ_ONLY = 'tessera:read-only';

/**
 * A POST that changes nothing (an evaluation with a body): it writes no audit
 * event and is not rate-limited as a mutation.
 */
export const ReadOnly = () => SetMetadata(READ_ONLY, true);

/** What the AccessGuard puts on the request: plain records, nothing from a feature. */
export interface AuthenticatedRequest extends Request {
  actor?: Actor;
  tenant?: TenantAccess;
  membership?: TenantRoleGrant | null;
  partner?: PartnerAccess;
  partnerMembership?: PartnerRoleGrant | null;
}

/** The Actor the AccessGuard resolved. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without an authenticated access rule');
  return actor;
});

/**
 * The tenant the AccessGuard checked for an `Access.tenant(...)` or
 * `Access.operatorOnTenant()` route: its id, slug, status and partner. A
 * feature that needs the whole tenant loads it (tenants' TenantBySlugPipe).
 */
export const CurrentTenant = createParamDecorator((_data: unknown, context: ExecutionContext): TenantAccess => {
  const tenant = context.switchToHttp().getRequest<AuthenticatedRequest>().tenant;
  if (!tenant) throw new Error('CurrentTenant used on a route whose access rule loads no tenant');
  return tenant;
});

/** The caller's own membership of that tenant (null for an operator who is not a member). */
export const CurrentMembership = createParamDecorator((_data: unknown, context: ExecutionContext): TenantRoleGrant | null => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().membership ?? null;
});

/** The partner the AccessGuard checked for an `Access.partner(...)` route (features load the whole partner: PartnerBySlugPipe). */
export const CurrentPartner = createParamDecorator((_data: unknown, context: ExecutionContext): PartnerAccess => {
  const partner = context.switchToHttp().getRequest<AuthenticatedRequest>().partner;
  if (!partner) throw new Error('CurrentPartner used on a route whose access rule loads no partner');
  return partner;
});

/** The caller's own membership of that partner (null for an operator who is not on its team). */
export const CurrentPartnerMembership = createParamDecorator((_data: unknown, context: ExecutionContext): PartnerRoleGrant | null => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().partnerMembership ?? null;
});
