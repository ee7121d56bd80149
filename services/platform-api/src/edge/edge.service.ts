import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AccessRepository } from '../auth/access.repository';
import type { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { UserRecord } from '../users/user.schema';
import { UsersRepository } from '../users/users.repository';
import { EdgeActivity } from './edge-activity';
import type { EdgePage } from './edge-pages';
import { cookiesWithout, hostTarget, isPlainPath, parseCookies, readForwarded, scopeCovers, sessionScope, type ForwardedRequest } from './edge-request';
import { EdgeTicketUsesRepository } from './edge-ticket-uses.repository';
import { EdgeTokens } from './edge-token';
import { WorkspaceSleep } from './workspace-sleep.service';
import { PlanCatalog } from '../plans/plan-catalog.service';

export const EDGE_COOKIE = 'tessera_edge';
/** The path on every workspace host where a sign-in ticket is exchanged for the edge session. */
export const SESSION_PATH = '/_tessera/session';
const TICKET_TTL_SECONDS = 60;

/** What forwardAuth answers: let the request through with identity headers, redirect, or a page of its own. */
export type EdgeDecision =
  | { kind: 'allow'; headers: Record<string, string> }
  | { kind: 'redirect'; location: string; setCookie?: string }
  | ({ kind: 'page' } & EdgePage);

/**
 * The edge's access decisions for Traefik's forwardAuth, and the sign-in
 * tickets that start an edge session. Access is read from the database on
 * every request (memberships, support grants), never from the cookie.
 */
@Injectable()
export class EdgeService {
  private readonly tokens: EdgeTokens;
  /** Support grants whose first use through the edge this process has audited. */
  private readonly auditedGrants = new Set<string>();

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessRepository,
    private readonly ticketUses: EdgeTicketUsesRepository,
    private readonly activity: EdgeActivity,
    private readonly sleep: WorkspaceSleep,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly catalog: PlanCatalog,
    private readonly clock: Clock,
  ) {
    this.tokens = new EdgeTokens(config.edge.sessionSecret);
  }

  async decide(headers: Record<string, string | string[] | undefined>): Promise<EdgeDecision> {
    const request = readForwarded(headers);
    if (!request) return page(400, 'Bad request', 'This address is not one Tessera serves.');
    const tenant = await this.tenantAt(request.host);
    if (!tenant) return page(404, 'No workspace here', `There is no workspace at ${request.host}.`);

    if (request.uri.split('?')[0] === SESSION_PATH) return this.exchangeTicket(request);
    if (tenant.status === 'suspended') return page(503, 'Workspace suspended', `${tenant.name} is suspended. Its owners can contact support to restore it.`);

    const cookieHeader = typeof headers['cookie'] === 'string' ? headers['cookie'] : undefined;
    const user = await this.signedInUser(parseCookies(cookieHeader).get(EDGE_COOKIE), request.host);
    if (!user) {
      if (request.upgrade || !['GET', 'HEAD'].includes(request.method)) return page(401, 'Sign-in needed', 'Open the workspace in a browser to sign in.');
      const back = `${request.proto}://${request.authority}${request.uri}`;
      return { kind: 'redirect', location: `${this.config.edge.loginUrl}?return=${encodeURIComponent(back)}` };
    }

    // Read through the users cache that disabling drops: the next request after it is refused (docs/auth.md).
    if (user.disabledAt) return page(403, 'Account disabled', `The account ${user.email} is disabled. Ask a platform operator if you think this is a mistake.`);

    const role = await this.roleOf(user, tenant);
    if (!role) return page(403, 'Not allowed', `You are signed in as ${user.email}, who is not a member of ${tenant.name}.`);

    if (tenant.status === 'pending') return page(503, 'Being set up', `${tenant.name} is being set up. This page retries by itself.`, 2);
    const tenantId = tenant.id;
    // A wake under way through any process (wakingSince) shows the waking page on every process until the workspace answers.
    if (tenant.status === 'sleeping' || tenant.wakingSince || this.sleep.isWaking(tenantId)) {
      if (tenant.status === 'sleeping' || tenant.wakingSince) void this.sleep.wake(tenant, user.email);
      return page(503, 'Waking up', `${tenant.name} was asleep after a quiet spell and is starting. This page retries by itself.`, 0.5);
    }

    this.activity.touch(tenantId, this.clock.now());
    return {
      kind: 'allow',
      headers: {
        'X-Tessera-User': user.id,
        'X-Tessera-Email': user.email,
        'X-Tessera-Role': role,
        'X-Tessera-Tenant': tenant.slug,
        // Traefik replaces the request's Cookie with this: the workspace never sees the edge session.
        Cookie: cookiesWithout(cookieHeader, EDGE_COOKIE),
      },
    };
  }

  /**
   * A ticket for the signed-in user to open `returnUrl`, a page of a workspace:
   * the URL where the workspace's host exchanges it for an edge session.
   * Only workspace hosts are accepted, so this never sends anyone elsewhere.
   */
  async ticket(actor: Actor, returnUrl: string): Promise<{ redirect: string }> {
    if (!actor.user) throw DomainError.forbidden('Edge sessions are for people, not machines');
    let target: URL;
    try {
      target = new URL(returnUrl);
    } catch {
      throw DomainError.invalid({ returnUrl: ['must be a URL'] });
    }
    const host = target.hostname.toLowerCase();
    const tenant = ['http:', 'https:'].includes(target.protocol) && !target.username && !target.password ? await this.tenantAt(host) : null;
    if (!tenant) throw DomainError.invalid({ returnUrl: [`${target.host} is not the address of a workspace`] });
    const path = `${target.pathname}${target.search}`;
    const ticket = this.tokens.signTicket({
      userId: actor.user.id,
      host,
      path: isPlainPath(path) ? path : '/',
      nonce: randomBytes(16).toString('base64url'),
      expiresAt: this.nowSeconds() + TICKET_TTL_SECONDS,
    });
    return { redirect: `${target.protocol}//${target.host}${SESSION_PATH}?ticket=${encodeURIComponent(ticket)}` };
  }

  /**
   * The tenant at `<slug>.<base domain>`, at `<service>--<slug>.<base domain>`
   * when its plan's workspace has that service (not the default one, which
   * answers at the first), or at a custom domain exactly one live tenant
   * claims; terminated tenants have no address.
   */
  private async tenantAt(host: string): Promise<TenantRecord | null> {
    const target = hostTarget(host, this.config.baseDomain);
    if (!target) return null;
    const tenant = 'slug' in target ? await this.tenants.findBySlug(target.slug) : await this.tenants.findByDomain(target.domain);
    if (!tenant || tenant.status === 'terminated') return null;
    if ('service' in target && target.service !== null) {
      const services = (await this.catalog.get(tenant.plan)).template.services;
      if (!services.some((service) => !service.default && service.name === target.service)) return null;
    }
    return tenant;
  }

  private async exchangeTicket(request: ForwardedRequest): Promise<EdgeDecision> {
    const raw = new URLSearchParams(request.uri.split('?')[1] ?? '').get('ticket') ?? '';
    const ticket = this.tokens.verifyTicket(raw, this.nowSeconds());
    const expired = page(400, 'Link expired', 'This sign-in link has expired or was used already. Open the workspace again.');
    if (!ticket || ticket.host !== request.host) return expired;
    if (!(await this.ticketUses.use(ticket.nonce, this.clock.now()))) return expired;
    const scope = sessionScope(request.host, this.config.baseDomain);
    const ttl = this.config.edge.sessionTtlSeconds;
    const session = this.tokens.signSession({ userId: ticket.userId, scope, expiresAt: this.nowSeconds() + ttl });
    const attributes = [
      `${EDGE_COOKIE}=${session}`,
      'Path=/',
      `Max-Age=${ttl}`,
      'HttpOnly',
      'SameSite=Lax',
      ...(scope === request.host ? [] : [`Domain=${scope}`]),
      ...(request.proto === 'https' ? ['Secure'] : []),
    ];
    // Absolute: Traefik resolves a relative Location against the forwardAuth address, not the workspace's.
    return { kind: 'redirect', location: `${request.proto}://${request.authority}${ticket.path}`, setCookie: attributes.join('; ') };
  }

  private async signedInUser(cookie: string | undefined, host: string): Promise<UserRecord | null> {
    const session = cookie ? this.tokens.verifySession(cookie, this.nowSeconds()) : null;
    if (!session || !scopeCovers(session.scope, host)) return null;
    return this.users.findById(session.userId);
  }

  /** The member's role; `support` for a platform admin holding approved support access (its first use audited); else null. */
  private async roleOf(user: UserRecord, tenant: TenantRecord): Promise<string | null> {
    const membership = await this.access.tenantRole(tenant.id, user.id);
    if (membership) return membership.role;
    if (!user.platformAdmin) return null;
    const grant = await this.access.supportGrant(tenant.id, user.id, this.clock.now());
    if (!grant) return null;
    if (!this.auditedGrants.has(grant.grantId)) {
      this.auditedGrants.add(grant.grantId);
      const actor: Actor = { subject: user.subject, audiences: [], user, isOperator: true, groups: [], support: grant };
      await this.audit.record(actor, `edge:${grant.grantId}`, {
        action: 'support.workspace',
        target: { type: 'workspace', id: tenant.slug },
        tenantId: tenant.id,
        reason: 'Opened the workspace under support access',
      });
    }
    return 'support';
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1_000);
  }
}

function page(status: number, title: string, message: string, retryAfterSeconds?: number): EdgeDecision {
  return { kind: 'page', status, title, message, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) };
}
