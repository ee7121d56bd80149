import { Injectable } from '@nestjs/common';
import type { SupportGrant } from '@tessera/contracts';
import { mutation, tenantTarget, type Mutation } from '../audit/mutation';
import type { TenantAccess, TenantRoleGrant } from '../auth/access-records';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { Notifier } from '../common/notifier';
import { AppConfig } from '../config/app-config';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersRepository } from '../users/users.repository';
import type { SupportGrantRecord } from './support-grant.schema';
import { SupportGrantsRepository } from './support-grants.repository';

/**
 * Support access with consent: an operator asks, giving a reason; one of the
 * tenant's owners approves or denies; an approved grant lets that operator
 * see and manage the tenant's people and workspace until it expires
 * (SUPPORT_ACCESS_TTL_SECONDS, an hour by default) or an owner revokes it.
 */
@Injectable()
export class SupportService {
  constructor(
    private readonly grants: SupportGrantsRepository,
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly notifier: Notifier,
  ) {}

  async request(actor: Actor, tenant: TenantAccess, reason: string): Promise<Mutation<SupportGrant>> {
    if (!actor.user) throw DomainError.forbidden('Support access is for operators');
    const grant = await this.grants.create({ tenantId: tenant.id, operatorUserId: actor.user.id, reason });
    await this.notifier.notify({
      kind: 'support.requested',
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      subject: `${actor.user.name || actor.user.email} asks for support access to ${tenant.slug}`,
      text: `${actor.user.name || actor.user.email}, a platform operator, asks for access to the people and workspace of ${tenant.slug}.\n\nReason: ${reason}\n\nNothing is opened until one of its owners approves, in the portal under Support access.`,
      key: `support.requested:${grant.id}`,
    });
    return mutation(await this.describe(grant), {
      action: 'support.request',
      ...tenantTarget(tenant),
      target: { type: 'support-grant', id: grant.id },
      changes: { status: { from: null, to: 'pending' } },
      reason,
    });
  }

  async list(tenant: TenantAccess): Promise<SupportGrant[]> {
    return Promise.all((await this.grants.listForTenant(tenant.id)).map((grant) => this.describe(grant)));
  }

  approve(actor: Actor, own: TenantRoleGrant | null, tenant: TenantAccess, id: string): Promise<Mutation<SupportGrant>> {
    const now = this.clock.now();
    return this.decide(actor, own, tenant, id, 'pending', { status: 'approved', expiresAt: new Date(now.getTime() + this.config.support.ttlSeconds * 1000) }, 'support.approve');
  }

  deny(actor: Actor, own: TenantRoleGrant | null, tenant: TenantAccess, id: string): Promise<Mutation<SupportGrant>> {
    return this.decide(actor, own, tenant, id, 'pending', { status: 'denied', expiresAt: null }, 'support.deny');
  }

  /** Ends an approved grant before it expires. */
  revoke(actor: Actor, own: TenantRoleGrant | null, tenant: TenantAccess, id: string): Promise<Mutation<SupportGrant>> {
    return this.decide(actor, own, tenant, id, 'approved', { status: 'revoked', expiresAt: this.clock.now() }, 'support.revoke');
  }

  private async decide(
    actor: Actor,
    own: TenantRoleGrant | null,
    tenant: TenantAccess,
    id: string,
    from: 'pending' | 'approved',
    outcome: { status: 'approved' | 'denied' | 'revoked'; expiresAt: Date | null },
    action: string,
  ): Promise<Mutation<SupportGrant>> {
    // The guard already refused anyone but an owner; the owner still may not decide on their own request.
    const grant = await this.grants.findById(id);
    if (!grant || grant.tenantId !== tenant.id) throw DomainError.notFound('That support request');
    if (!own || own.role !== 'owner' || !actor.user) throw DomainError.forbidden('Only an owner of the tenant decides on support access');
    if (grant.operatorUserId === actor.user.id) throw DomainError.forbidden('Nobody decides on their own support request');
    const decided = await this.grants.decide(grant.id, from, { status: outcome.status, decidedAt: this.clock.now(), decidedBy: actor.user.id, expiresAt: outcome.expiresAt });
    if (!decided) throw DomainError.conflict(`That support request is ${grant.status}, not ${from}`);
    if (outcome.status === 'approved' && outcome.expiresAt) {
      const operator = await this.users.findById(grant.operatorUserId);
      await this.notifier.notify({
        kind: 'support.approved',
        tenantId: tenant.id,
        partnerId: tenant.partnerId,
        subject: `Support access to ${tenant.slug} was approved`,
        text: `${actor.user.name || actor.user.email} approved support access for ${operator?.name || operator?.email || 'an operator'} until ${outcome.expiresAt.toISOString()} (UTC).\n\nReason given: ${grant.reason}\n\nAny owner can revoke it before then, in the portal under Support access.`,
        key: `support.approved:${grant.id}`,
      });
    }
    return mutation(await this.describe(decided), {
      action,
      ...tenantTarget(tenant),
      target: { type: 'support-grant', id: grant.id },
      changes: { status: { from, to: outcome.status }, ...(outcome.expiresAt ? { expiresAt: { from: grant.expiresAt?.toISOString() ?? null, to: outcome.expiresAt.toISOString() } } : {}) },
    });
  }

  /**
   * Tells the owners of each tenant whose approved support access ran out
   * since `since` (by the platform's clock). The notice's key makes a grant
   * heard of once, whichever process or pass sees it first.
   */
  async notifyExpired(since: Date): Promise<number> {
    const expired = await this.grants.listExpiredBetween(since, this.clock.now());
    for (const grant of expired) {
      const [tenant, operator] = await Promise.all([this.tenants.findById(grant.tenantId), this.users.findById(grant.operatorUserId)]);
      await this.notifier.notify({
        kind: 'support.expired',
        tenantId: grant.tenantId,
        partnerId: tenant?.partnerId ?? null,
        subject: `Support access to ${tenant?.slug ?? 'your tenant'} has ended`,
        text: `The support access of ${operator?.name || operator?.email || 'an operator'} to ${tenant?.name ?? 'your tenant'} ended at ${grant.expiresAt?.toISOString() ?? 'its expiry'} (UTC). The operator can no longer reach its people or workspace.`,
        key: `support.expired:${grant.id}`,
      });
    }
    return expired.length;
  }

  private async describe(grant: SupportGrantRecord): Promise<SupportGrant> {
    const ids = [grant.operatorUserId, ...(grant.decidedBy ? [grant.decidedBy] : [])];
    const users = new Map((await this.users.findByIds(ids)).map((user) => [user.id, user]));
    const operator = users.get(grant.operatorUserId);
    const decider = grant.decidedBy ? users.get(grant.decidedBy) : undefined;
    const expired = grant.status === 'approved' && grant.expiresAt !== null && grant.expiresAt <= this.clock.now();
    return {
      id: grant.id,
      tenantId: grant.tenantId,
      operator: { userId: grant.operatorUserId, name: operator?.name ?? '', email: operator?.email ?? '' },
      reason: grant.reason,
      status: expired ? 'expired' : grant.status,
      requestedAt: grant.createdAt.toISOString(),
      decidedAt: grant.decidedAt?.toISOString() ?? null,
      decidedBy: grant.decidedBy ? { userId: grant.decidedBy, name: decider?.name ?? '' } : null,
      expiresAt: grant.expiresAt?.toISOString() ?? null,
    };
  }
}
