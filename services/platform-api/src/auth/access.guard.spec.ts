import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Audience, PartnerRole, PartnerStatus, TenantRole } from '@tessera/contracts';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import type { UserRecord } from '../users/user.schema';
import { ACCESS_RULE, READ_ONLY, WHEN_TERMINATED, type AccessRule, type AuthenticatedRequest } from './access.decorator';
import type { AccessRepository } from './access.repository';
import { AccessGuard } from './access.guard';
import type { Actor } from './actor';
import type { ActorService } from './actor.service';
import type { TokenVerifier, VerifiedToken } from './token-verifier';

/**
 * The guard's decisions, with its ports stubbed: who the token says, what the
 * database says. The real token checks and database are covered by the e2e tests.
 */
function guardFor(caller: {
  audiences: Audience[];
  platformAdmin?: boolean;
  machine?: boolean;
  role?: TenantRole;
  partnerRole?: PartnerRole;
  partnerStatus?: PartnerStatus;
  tenantOfOtherPartner?: boolean;
  supportGrant?: boolean;
  tenantStatus?: 'active' | 'terminated';
}) {
  const user = caller.machine ? null : ({ id: 'u1', platformAdmin: caller.platformAdmin ?? false } as UserRecord);
  const actor: Actor = {
    subject: 'someone',
    audiences: caller.audiences,
    user,
    isOperator: caller.audiences.includes('operator') && user?.platformAdmin === true,
    groups: [],
  };
  const partner = { id: 'p1', slug: 'resellers', status: caller.partnerStatus ?? 'active' };
  const tenant = { id: 't1', slug: 'acme', status: caller.tenantStatus ?? 'active', partnerId: caller.tenantOfOtherPartner ? 'p2' : partner.id };
  const verifier = { verify: async (token: string) => ({ subject: token }) as VerifiedToken } as TokenVerifier;
  const actors = { resolve: async () => actor } as unknown as ActorService;
  const access = {
    tenantBySlug: async (slug: string) => (slug === 'acme' ? tenant : null),
    tenantRole: async () => (caller.role ? { role: caller.role } : null),
    partnerBySlug: async (slug: string) => (slug === 'resellers' ? partner : null),
    partnerRole: async () => (caller.partnerRole ? { role: caller.partnerRole } : null),
    supportGrant: async () => (caller.supportGrant ? { grantId: 'g1', approvedBy: 'u2' } : null),
  } as unknown as AccessRepository;
  return new AccessGuard(new Reflector(), verifier, actors, access, new Clock(), { edge: { routes: { secret: null } } } as unknown as AppConfig);
}

async function decide(
  guard: AccessGuard,
  rule: AccessRule | undefined,
  request: Partial<AuthenticatedRequest> = {},
  marks: { whenTerminated?: boolean; readOnly?: boolean } = {},
): Promise<'allowed' | string> {
  const handler = () => undefined;
  if (rule) Reflect.defineMetadata(ACCESS_RULE, rule, handler);
  if (marks.whenTerminated) Reflect.defineMetadata(WHEN_TERMINATED, 'why', handler);
  if (marks.readOnly) Reflect.defineMetadata(READ_ONLY, true, handler);
  const req = { method: 'GET', headers: { authorization: 'Bearer abc.def.ghi' }, params: { slug: 'acme' }, ...request } as AuthenticatedRequest;
  const context = {
    getHandler: () => handler,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  try {
    await guard.canActivate(context);
    return 'allowed';
  } catch (error: unknown) {
    if (error instanceof DomainError) return error.reason ? `${error.code} ${error.reason}` : error.code;
    throw error;
  }
}

describe('AccessGuard', () => {
  it('refuses a route that declares no rule, even to an operator', async () => {
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true }), undefined)).toBe('FORBIDDEN');
  });

  it('lets anyone through a public route, without a token', async () => {
    expect(await decide(guardFor({ audiences: [] }), { kind: 'public' }, { headers: {} })).toBe('allowed');
  });

  it('asks for a bearer token everywhere else', async () => {
    expect(await decide(guardFor({ audiences: ['portal'] }), { kind: 'authenticated' }, { headers: {} })).toBe('UNAUTHENTICATED');
    expect(await decide(guardFor({ audiences: ['portal'] }), { kind: 'authenticated' }, { headers: { authorization: 'Basic eHk=' } })).toBe('UNAUTHENTICATED');
  });

  it('takes an operator to be platformAdmin AND the operator audience', async () => {
    const rule: AccessRule = { kind: 'operator', tenant: false };
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true }), rule)).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: false }), rule)).toBe('FORBIDDEN');
    expect(await decide(guardFor({ audiences: ['portal'], platformAdmin: true }), rule)).toBe('FORBIDDEN');
  });

  it('lets the CI audience through machine routes, and operators only when the route says so', async () => {
    expect(await decide(guardFor({ audiences: ['ci'], machine: true }), { kind: 'machine', orOperator: false })).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true }), { kind: 'machine', orOperator: false })).toBe('FORBIDDEN');
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true }), { kind: 'machine', orOperator: true })).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['portal'] }), { kind: 'machine', orOperator: true })).toBe('FORBIDDEN');
  });

  it('grants a tenant permission by the role of the membership', async () => {
    const update: AccessRule = { kind: 'tenant', permission: 'tenant.update' };
    expect(await decide(guardFor({ audiences: ['portal'], role: 'admin' }), update)).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['portal'], role: 'member' }), update)).toBe('FORBIDDEN');
    expect(await decide(guardFor({ audiences: ['portal'] }), update)).toBe('FORBIDDEN');
    expect(await decide(guardFor({ audiences: ['portal'], role: 'member' }), { kind: 'tenant', permission: 'tenant.read' })).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['ci'], machine: true }), { kind: 'tenant', permission: 'tenant.read' })).toBe('FORBIDDEN');
  });

  it('lets the CI audience into a tenant route only when the route says so', async () => {
    const machine = guardFor({ audiences: ['ci'], machine: true });
    expect(await decide(machine, { kind: 'tenant', permission: 'tenant.reconcile', orMachine: true })).toBe('allowed');
    expect(await decide(machine, { kind: 'tenant', permission: 'tenant.reconcile', orMachine: false })).toBe('FORBIDDEN');
    expect(await decide(guardFor({ audiences: ['portal'] }), { kind: 'tenant', permission: 'tenant.reconcile', orMachine: true })).toBe('FORBIDDEN');
  });

  it("keeps an operator from a tenant's people without an approved support grant, and from deciding on grants, but lets them run its workspace", async () => {
    const operator = guardFor({ audiences: ['operator'], platformAdmin: true });
    expect(await decide(operator, { kind: 'tenant', permission: 'members.read' })).toBe('FORBIDDEN');
    expect(await decide(operator, { kind: 'tenant', permission: 'workspace.manage' })).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true, supportGrant: true }), { kind: 'tenant', permission: 'members.read' })).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true, supportGrant: true }), { kind: 'tenant', permission: 'support.manage' })).toBe('FORBIDDEN');
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true, role: 'owner' }), { kind: 'tenant', permission: 'members.read' })).toBe('allowed');
    expect(await decide(operator, { kind: 'tenant', permission: 'tenant.update' })).toBe('allowed');
  });

  it('lets an operator into any tenant and answers 404 for a tenant that does not exist', async () => {
    const read: AccessRule = { kind: 'tenant', permission: 'tenant.read' };
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true }), read)).toBe('allowed');
    expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true }), read, { params: { slug: 'nope' } })).toBe('NOT_FOUND');
  });

  describe('partner routes', () => {
    const manage: AccessRule = { kind: 'partner', permission: 'partner.tenants.manage' };
    const team: AccessRule = { kind: 'partner', permission: 'partner.team.manage' };
    const onPartner = { params: { partner: 'resellers' } };
    const onPartnerTenant = { params: { partner: 'resellers', slug: 'acme' } };

    it('grants a partner permission by the access level on that partner', async () => {
      expect(await decide(guardFor({ audiences: ['portal'], partnerRole: 'admin' }), team, onPartner)).toBe('allowed');
      expect(await decide(guardFor({ audiences: ['portal'], partnerRole: 'member' }), team, onPartner)).toBe('FORBIDDEN');
      expect(await decide(guardFor({ audiences: ['portal'], partnerRole: 'member' }), manage, onPartner)).toBe('allowed');
      expect(await decide(guardFor({ audiences: ['portal'], role: 'owner' }), manage, onPartner)).toBe('FORBIDDEN');
      expect(await decide(guardFor({ audiences: ['ci'], machine: true }), manage, onPartner)).toBe('FORBIDDEN');
    });

    it("reaches a tenant through a partner only when it is that partner's", async () => {
      expect(await decide(guardFor({ audiences: ['portal'], partnerRole: 'admin' }), manage, onPartnerTenant)).toBe('allowed');
      expect(await decide(guardFor({ audiences: ['portal'], partnerRole: 'admin', tenantOfOtherPartner: true }), manage, onPartnerTenant)).toBe('NOT_FOUND');
      expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true, tenantOfOtherPartner: true }), manage, onPartnerTenant)).toBe('NOT_FOUND');
    });

    it("closes a terminated partner's routes to its team but not to operators", async () => {
      expect(await decide(guardFor({ audiences: ['portal'], partnerRole: 'admin', partnerStatus: 'terminated' }), manage, onPartner)).toBe('FORBIDDEN');
      expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true, partnerStatus: 'terminated' }), manage, onPartner)).toBe('allowed');
      expect(await decide(guardFor({ audiences: ['operator'], platformAdmin: true }), manage, { params: { partner: 'nobody' } })).toBe('NOT_FOUND');
    });

    it('lets operators read a terminated partner and refuses every change to it, or to its customers through it, with 409', async () => {
      const operator = guardFor({ audiences: ['operator'], platformAdmin: true, partnerStatus: 'terminated' });
      expect(await decide(operator, manage, { ...onPartner, method: 'PATCH' })).toBe('CONFLICT PARTNER_TERMINATED');
      expect(await decide(operator, { kind: 'partner', permission: null }, { ...onPartner, method: 'DELETE' })).toBe('CONFLICT PARTNER_TERMINATED');
      expect(await decide(operator, manage, { ...onPartnerTenant, method: 'POST' })).toBe('CONFLICT PARTNER_TERMINATED');
      expect(await decide(operator, manage, { ...onPartnerTenant, method: 'GET' })).toBe('allowed');
    });
  });

  describe('a terminated tenant', () => {
    const terminated = (caller: Parameters<typeof guardFor>[0]) => guardFor({ ...caller, tenantStatus: 'terminated' });
    const update: AccessRule = { kind: 'tenant', permission: 'tenant.update' };

    it('is read by those who may read it', async () => {
      expect(await decide(terminated({ audiences: ['portal'], role: 'owner' }), { kind: 'tenant', permission: 'tenant.read' })).toBe('allowed');
      expect(await decide(terminated({ audiences: ['operator'], platformAdmin: true }), { kind: 'tenant', permission: 'tenant.read' })).toBe('allowed');
    });

    it('refuses every change with 409 and a reason, to owners and operators alike', async () => {
      for (const method of ['POST', 'PATCH', 'PUT', 'DELETE']) {
        expect(await decide(terminated({ audiences: ['portal'], role: 'owner' }), update, { method })).toBe('CONFLICT TENANT_TERMINATED');
        expect(await decide(terminated({ audiences: ['operator'], platformAdmin: true }), { kind: 'operator', tenant: true }, { method })).toBe('CONFLICT TENANT_TERMINATED');
        expect(await decide(terminated({ audiences: ['operator'], platformAdmin: true }), { kind: 'tenant', permission: 'workspace.manage' }, { method })).toBe('CONFLICT TENANT_TERMINATED');
      }
    });

    it('answers those who may not change it as before, so a refusal tells an outsider nothing', async () => {
      expect(await decide(terminated({ audiences: ['portal'] }), update, { method: 'PATCH' })).toBe('FORBIDDEN');
      expect(await decide(terminated({ audiences: ['portal'], role: 'member' }), update, { method: 'PATCH' })).toBe('FORBIDDEN');
    });

    it('lets through a change its route allows on what ended, and a POST that only evaluates', async () => {
      const owner = terminated({ audiences: ['portal'], role: 'owner' });
      expect(await decide(owner, update, { method: 'POST' }, { whenTerminated: true })).toBe('allowed');
      expect(await decide(owner, update, { method: 'POST' }, { readOnly: true })).toBe('allowed');
    });
  });
});
