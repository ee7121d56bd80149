import { Injectable } from '@nestjs/common';
import type { SupportGrant } from '@tessera/contracts';
import { Types } from 'mongoose';
import { mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import type { MembershipDocument } from '../memberships/membership.schema';
import type { TenantDocument } from '../tenants/tenant.schema';
import { auditTarget } from '../tenants/tenants.service';
import type { UserDocument } from '../users/user.schema';
import { UsersRepository } from '../users/users.repository';
import type { SupportGrantDocument } from './support-grant.schema';
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
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async request(actor: Actor, tenant: TenantDocument, reason: string): Promise<Mutation<SupportGrant>> {
    if (!actor.user) throw DomainError.forbidden('Support access is for operators');
    const grant = await this.grants.create({ tenantId: tenant._id, operatorUserId: actor.user._id, reason });
    return mutation(await this.describe(grant), {
      action: 'support.request',
      ...auditTarget(tenant),
      target: { type: 'support-grant', id: grant._id.toHexString() },
      changes: { status: { from: null, to: 'pending' } },
      reason,
    });
  }

  async list(tenant: TenantDocument): Promise<SupportGrant[]> {
    return Promise.all((await this.grants.listForTenant(tenant._id)).map((grant) => this.describe(grant)));
  }

  approve(actor: Actor, own: MembershipDocument | null, tenant: TenantDocument, id: string): Promise<Mutation<SupportGrant>> {
    const now = this.clock.now();
    return this.decide(actor, own, tenant, id, 'pending', { status: 'approved', expiresAt: new Date(now.getTime() + this.config.support.ttlSeconds * 1000) }, 'support.approve');
  }

  deny(actor: Actor, own: MembershipDocument | null, tenant: TenantDocument, id: string): Promise<Mutation<SupportGrant>> {
    return this.decide(actor, own, tenant, id, 'pending', { status: 'denied', expiresAt: null }, 'support.deny');
  }

  /** Ends an approved grant before it expires. */
  revoke(actor: Actor, own: MembershipDocument | null, tenant: TenantDocument, id: string): Promise<Mutation<SupportGrant>> {
    return this.decide(actor, own, tenant, id, 'approved', { status: 'revoked', expiresAt: this.clock.now() }, 'support.revoke');
  }

  private async decide(
    actor: Actor,
    own: MembershipDocument | null,
    tenant: TenantDocument,
    id: string,
    from: 'pending' | 'approved',
    outcome: { status: 'approved' | 'denied' | 'revoked'; expiresAt: Date | null },
    action: string,
  ): Promise<Mutation<SupportGrant>> {
    // The guard already refused anyone but an owner; the owner still may not decide on their own request.
    const grant = Types.ObjectId.isValid(id) ? await this.grants.findById(new Types.ObjectId(id)) : null;
    if (!grant || !grant.tenantId.equals(tenant._id)) throw DomainError.notFound('That support request');
    if (!own || own.role !== 'owner' || !actor.user) throw DomainError.forbidden('Only an owner of the tenant decides on support access');
    if (grant.operatorUserId.equals(actor.user._id)) throw DomainError.forbidden('Nobody decides on their own support request');
    const decided = await this.grants.decide(grant._id, from, { status: outcome.status, decidedAt: this.clock.now(), decidedBy: actor.user._id, expiresAt: outcome.expiresAt });
    if (!decided) throw DomainError.conflict(`That support request is ${grant.status}, not ${from}`);
    return mutation(await this.describe(decided), {
      action,
      ...auditTarget(tenant),
      target: { type: 'support-grant', id: grant._id.toHexString() },
      changes: { status: { from, to: outcome.status }, ...(outcome.expiresAt ? { expiresAt: { from: grant.expiresAt?.toISOString() ?? null, to: outcome.expiresAt.toISOString() } } : {}) },
    });
  }

  private async describe(grant: SupportGrantDocument): Promise<SupportGrant> {
    const ids = [grant.operatorUserId, ...(grant.decidedBy ? [grant.decidedBy] : [])];
    const users = new Map((await this.users.findByIds(ids)).map((user: UserDocument) => [user._id.toHexString(), user]));
    const operator = users.get(grant.operatorUserId.toHexString());
    const decider = grant.decidedBy ? users.get(grant.decidedBy.toHexString()) : undefined;
    const expired = grant.status === 'approved' && grant.expiresAt !== null && grant.expiresAt <= this.clock.now();
    return {
      id: grant._id.toHexString(),
      tenantId: grant.tenantId.toHexString(),
      operator: { userId: grant.operatorUserId.toHexString(), name: operator?.name ?? '', email: operator?.email ?? '' },
      reason: grant.reason,
      status: expired ? 'expired' : grant.status,
      requestedAt: grant.createdAt.toISOString(),
      decidedAt: grant.decidedAt?.toISOString() ?? null,
      decidedBy: grant.decidedBy ? { userId: grant.decidedBy.toHexString(), name: decider?.name ?? '' } : null,
      expiresAt: grant.expiresAt?.toISOString() ?? null,
    };
  }
}
