import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OWNER_ONLY_PERMISSIONS, PARTNER_ROLE_PERMISSIONS, ROLE_PERMISSIONS, SUPPORT_ACCESS_PERMISSIONS, type PartnerPermission, type TenantPermission } from '@tessera/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import type { TenantAccess } from './access-records';
import { ACCESS_RULE, READ_ONLY, WHEN_TERMINATED, type AccessRule, type AuthenticatedRequest } from './access.decorator';
import { AccessRepository } from './access.repository';
import type { Actor } from './actor';
import { ActorService } from './actor.service';
import { TokenVerifier } from './token-verifier';

/** Where Traefik sends the route source's secret (`--providers.http.headers.X-Tessera-Edge-Secret=…`). */
export const EDGE_SECRET_HEADER = 'x-tessera-edge-secret';

/**
 * The one guard every route passes. It reads the route's access rule, verifies
 * the bearer token, resolves the actor from the database and applies the rule.
 * A route that declares no rule is refused.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly actors: ActorService,
    private readonly access: AccessRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    if (!rule) throw DomainError.forbidden('This route declares no access rule');
    if (rule.kind === 'public') return true;
    if (rule.kind === 'edge') return this.checkEdgeSecret(context.switchToHttp().getRequest<AuthenticatedRequest>());

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    const actor = await this.actors.resolve(await this.verifier.verify(token));
    request.actor = actor;

    await this.checkRule(request, actor, rule);
    if (this.changes(context, request)) this.refuseWhatEnded(request);
    return true;
  }

  /** The route source's secret, compared in constant time; none configured (routes in files): nobody. */
  private checkEdgeSecret(request: AuthenticatedRequest): boolean {
    const secret = this.config.edge.routes.secret;
    const given = request.headers[EDGE_SECRET_HEADER];
    if (typeof given !== 'string' || !given) throw DomainError.unauthenticated(`The route source's secret is required in ${EDGE_SECRET_HEADER}`);
    const [wanted, offered] = [createHash('sha256').update(secret ?? randomBytes(32)).digest(), createHash('sha256').update(given).digest()];
    if (!secret || !timingSafeEqual(wanted, offered)) throw DomainError.unauthenticated(`The route source's secret in ${EDGE_SECRET_HEADER} is not the one this platform was given`);
    return true;
  }

  private async checkRule(request: AuthenticatedRequest, actor: Actor, rule: Exclude<AccessRule, { kind: 'public' | 'edge' }>): Promise<boolean> {
    switch (rule.kind) {
      case 'authenticated':
        return true;
      case 'operator':
        if (!actor.isOperator) throw DomainError.forbidden('Only platform operators may do this');
        if (rule.tenant) request.tenant = await this.loadTenant(request);
        return true;
      case 'machine':
        if (actor.audiences.includes('ci') || (rule.orOperator && actor.isOperator)) return true;
        throw DomainError.forbidden(rule.orOperator ? 'Only CI or platform operators may do this' : 'Only CI may do this');
      case 'tenant':
        return this.checkTenant(request, actor, rule.permission, rule.orMachine ?? false);
      case 'partner':
        return this.checkPartner(request, actor, rule.permission);
      default: {
        const unreachable: never = rule;
        return unreachable;
      }
    }
  }

  /** Whether the request would change something: not a read, not a POST that only evaluates, not one allowed on what ended. */
  private changes(context: ExecutionContext, request: AuthenticatedRequest): boolean {
    if (READ_METHODS.has(request.method)) return false;
    const targets = [context.getHandler(), context.getClass()];
    return !this.reflector.getAllAndOverride<boolean>(READ_ONLY, targets) && !this.reflector.getAllAndOverride<string>(WHEN_TERMINATED, targets);
  }

  /**
   * A terminated (or rejected) tenant and a terminated partner are kept and
   * readable; every change to them is refused here, once for every route,
   * after the caller was found allowed (so an outsider learns nothing new).
   */
  private refuseWhatEnded(request: AuthenticatedRequest): void {
    if (request.partner?.status === 'terminated') throw DomainError.partnerTerminated(request.partner);
    if (request.tenant?.status === 'terminated') throw DomainError.tenantTerminated(request.tenant);
  }

  private async checkTenant(request: AuthenticatedRequest, actor: Actor, permission: TenantPermission, orMachine: boolean): Promise<boolean> {
    const tenant = await this.loadTenant(request);
    request.tenant = tenant;
    if (orMachine && !actor.user && actor.audiences.includes('ci')) return true;
    const membership = actor.user ? await this.access.tenantRole(tenant.id, actor.user.id) : null;
    request.membership = membership;
    if (membership && ROLE_PERMISSIONS[membership.role].includes(permission)) return true;
    if (actor.isOperator) return this.checkOperatorOnTenant(actor, tenant, permission);
    throw DomainError.forbidden(membership ? `Your role on ${tenant.slug} does not allow this` : `You are not a member of ${tenant.slug}`);
  }

  /**
   * Operators may do on any tenant what their role needs, except reach its
   * people and workspace, which takes support access approved by an owner,
   * and decide on support access, which is for owners.
   */
  private async checkOperatorOnTenant(actor: Actor, tenant: TenantAccess, permission: TenantPermission): Promise<boolean> {
    if (OWNER_ONLY_PERMISSIONS.includes(permission)) throw DomainError.forbidden(`Only an owner of ${tenant.slug} may do this`);
    if (!SUPPORT_ACCESS_PERMISSIONS.includes(permission)) return true;
    const grant = await this.access.supportGrant(tenant.id, actor.user!.id, this.clock.now());
    if (!grant) throw DomainError.forbidden(`This needs support access to ${tenant.slug}, approved by one of its owners`);
    actor.support = grant;
    return true;
  }

  /** `permission` null: operators only. */
  private async checkPartner(request: AuthenticatedRequest, actor: Actor, permission: PartnerPermission | null): Promise<boolean> {
    const slug = request.params['partner'];
    const partner = typeof slug === 'string' ? await this.access.partnerBySlug(slug) : null;
    if (!partner) throw DomainError.notFound(`The partner "${String(slug)}"`);
    request.partner = partner;
    const membership = actor.user ? await this.access.partnerRole(partner.id, actor.user.id) : null;
    request.partnerMembership = membership;
    if (!actor.isOperator) {
      if (permission === null) throw DomainError.forbidden('Only platform operators may do this');
      if (!membership) throw DomainError.forbidden(`You are not on the team of ${partner.slug}`);
      if (partner.status === 'terminated') throw DomainError.forbidden(`${partner.slug} is terminated`);
      if (!PARTNER_ROLE_PERMISSIONS[membership.role].includes(permission)) throw DomainError.forbidden(`Your access level on ${partner.slug} does not allow this`);
    }
    // A tenant named next to the partner must be the partner's own; any other is reported as not found.
    if (request.params['slug'] !== undefined) {
      const tenant = await this.loadTenant(request);
      if (tenant.partnerId !== partner.id) throw DomainError.notFound(`The tenant "${tenant.slug}" of ${partner.slug}`);
      request.tenant = tenant;
    }
    return true;
  }

  private async loadTenant(request: AuthenticatedRequest): Promise<TenantAccess> {
    const slug = request.params['slug'];
    const tenant = typeof slug === 'string' ? await this.access.tenantBySlug(slug) : null;
    if (!tenant) throw DomainError.notFound(`The tenant "${String(slug)}"`);
    return tenant;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerToken(header: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9\-_.]+)$/.exec(header ?? '');
  if (!match?.[1]) throw DomainError.unauthenticated();
  return match[1];
}
