import type { Tenant as TenantShape } from '@tessera/contracts';
import { LogNotifier } from '../common/notifier';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/errors/domain-error';
import type { PlanCatalog } from '../plans/plan-catalog.service';
import type { MembershipsRepository } from '../memberships/memberships.repository';
import type { SettingsService } from '../settings/settings.service';
import type { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { UserRecord } from '../users/user.schema';
import type { TenantHealthService } from './tenant-health.service';
import type { TenantProvisioner } from './tenant-provisioner';
import type { SafetyBackup, TenantBackups } from './tenant-backups';
import type { TenantRecord } from './tenant.schema';
import type { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

/** The tenant rules with every port stubbed: what is stored, started and refused. */
function tenantRecord(fields: Partial<TenantRecord> = {}): TenantRecord {
  return {
    id: 't1', slug: 'acme', name: 'Acme', status: 'active', plan: 'free', domains: [], partnerId: null, industry: null, brandColor: null,
    billingInfo: {}, approval: null, workspaceStopped: false, keepAwake: false, lastActivityAt: null, wakingSince: null, edgeTargets: {}, provisioning: {},
    createdAt: new Date(0), updatedAt: new Date(0), ...fields,
  };
}

function setup(options: { approval?: boolean; transition?: TenantRecord | null; archived?: string[]; backup?: SafetyBackup['outcome'] } = {}) {
  const created: Partial<TenantRecord>[] = [];
  const started: string[] = [];
  const converged: string[] = [];
  const released: string[] = [];
  const statuses: string[] = [];
  const updates: Partial<TenantRecord>[] = [];
  const tenants = {
    create: async (tenant: Partial<TenantRecord>) => (created.push(tenant), tenantRecord({ ...tenant, id: 'new' })),
    update: async (_id: string, changes: Partial<TenantRecord>) => (updates.push(changes), tenantRecord(changes)),
    transition: async (_id: string, _from: string[], to: TenantRecord['status']) => (options.transition === undefined ? tenantRecord({ status: to }) : options.transition),
    findById: async () => null,
  } as unknown as TenantsRepository;
  const memberships = { upsert: async () => undefined } as unknown as MembershipsRepository;
  const subscriptions = { open: async () => undefined, changePlan: async () => undefined, setStatus: async (_t: unknown, status: string) => void statuses.push(status), followSuspension: async () => undefined } as unknown as SubscriptionsService;
  const provisioner = {
    start: (tenant: TenantRecord) => void started.push(tenant.slug),
    converge: async (tenant: TenantRecord) => (converged.push(tenant.status), { slug: tenant.slug, status: tenant.status, ran: true, steps: {} }),
    release: async (tenant: TenantRecord) => void released.push(tenant.slug),
  } as unknown as TenantProvisioner;
  const health = { describeOne: async (tenant: TenantRecord) => ({ slug: tenant.slug, status: tenant.status }) as unknown as TenantShape } as unknown as TenantHealthService;
  const settings = { signupApproval: async () => options.approval ?? false } as unknown as SettingsService;
  // Plans differ in memory only: a change to business replaces the container.
  const planOf = (plan: string) => ({ key: plan, limits: { memoryMb: plan === 'business' ? 256 : 64 }, template: {} });
  const catalog = {
    assertChoosable: async (plan: string) => {
      if (options.archived?.includes(plan)) throw DomainError.conflict(`The ${plan} plan is no longer offered`);
      return planOf(plan);
    },
    get: async (plan: string) => planOf(plan),
  } as unknown as PlanCatalog;
  const backedUp: string[] = [];
  const backups = {
    before: async (tenant: TenantRecord, trigger: string): Promise<SafetyBackup> => {
      backedUp.push(`${tenant.slug}:${trigger}`);
      const outcome = options.backup ?? 'succeeded';
      return { outcome, backupId: outcome === 'succeeded' ? 'b1' : null, message: outcome === 'failed' ? 'The backup taken first failed: restic could not open the repository.' : 'A backup was taken first.' };
    },
  } as unknown as TenantBackups;
  const service = new TenantsService(tenants, memberships, subscriptions, provisioner, health, settings, catalog, backups, new LogNotifier());
  return { service, created, started, converged, released, statuses, updates, backedUp };
}

const person = (isOperator = false): Actor => ({ subject: 's', audiences: [isOperator ? 'operator' : 'portal'], user: { id: 'u1' } as UserRecord, isOperator, groups: [] });

describe('TenantsService', () => {
  it('provisions a new tenant at once, unless a sign-up must wait for an operator', async () => {
    const open = setup();
    await open.service.create(person(), { slug: 'acme', name: 'Acme' });
    expect(open.started).toEqual(['acme']);
    expect(open.created[0]).toMatchObject({ status: 'pending', approval: null, plan: 'free' });

    const waiting = setup({ approval: true });
    const answer = await waiting.service.create(person(), { slug: 'acme', name: 'Acme' });
    expect(waiting.started).toEqual([]);
    expect(waiting.created[0]).toMatchObject({ approval: 'pending' });
    expect(answer.audit.changes).toMatchObject({ approval: { from: null, to: 'pending' } });
  });

  it("does not hold an operator's tenant for approval, and refuses a machine as owner", async () => {
    const held = setup({ approval: true });
    await held.service.create(person(true), { slug: 'ops', name: 'Ops' });
    expect(held.started).toEqual(['ops']);
    await expect(held.service.create({ ...person(), user: null }, { slug: 'bot', name: 'Bot' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses to change a terminated tenant, and reprovisions only for a new plan', async () => {
    const { service, started } = setup();
    await expect(service.update(tenantRecord({ status: 'terminated' }), { name: 'X' })).rejects.toBeInstanceOf(DomainError);
    await service.update(tenantRecord(), { name: 'Renamed' });
    expect(started).toEqual([]);
    await service.update(tenantRecord(), { plan: 'business' });
    expect(started).toEqual(['acme']);
  });

  it('refuses an archived plan for a new tenant and a change of plan, but leaves a tenant on it alone', async () => {
    const { service, created, updates } = setup({ archived: ['starter'] });
    await expect(service.create(person(), { slug: 'acme', name: 'Acme', plan: 'starter' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(created).toEqual([]);
    await expect(service.update(tenantRecord({ plan: 'free' }), { plan: 'starter' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(updates).toEqual([]);
    await service.update(tenantRecord({ plan: 'starter' }), { plan: 'starter', name: 'Acme 2' });
    expect(updates).toEqual([{ plan: 'starter', name: 'Acme 2' }]);
  });

  it('answers 409 when the status moved meanwhile, and converges on a change as expected, not drift', async () => {
    await expect(setup({ transition: null }).service.changeStatus(tenantRecord({ status: 'suspended' }), 'suspend')).rejects.toMatchObject({ code: 'CONFLICT' });
    const { service, converged, statuses, released } = setup();
    const answer = await service.changeStatus(tenantRecord(), 'terminate', 'closed');
    expect(converged).toEqual(['terminated']);
    expect(statuses).toEqual(['canceled']);
    expect(released).toEqual(['acme']);
    expect(answer.audit).toMatchObject({ action: 'tenant.terminate', reason: 'closed', changes: { status: { from: 'active', to: 'terminated' } } });
  });

  it('backs up before terminating, and refuses to terminate after a failed backup unless forced with a reason', async () => {
    const ok = setup();
    const done = await ok.service.changeStatus(tenantRecord(), 'terminate', 'closed');
    expect(ok.backedUp).toEqual(['acme:before_terminate']);
    expect(done.audit.changes).toMatchObject({ backupFirst: { from: null, to: 'b1' } });

    const failing = setup({ backup: 'failed' });
    await expect(failing.service.changeStatus(tenantRecord(), 'terminate', 'closed')).rejects.toMatchObject({ code: 'CONFLICT', reason: 'BACKUP_FAILED', message: expect.stringContaining('was not terminated') });
    expect(failing.converged).toEqual([]);
    await expect(failing.service.changeStatus(tenantRecord(), 'terminate', undefined, { force: true })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const forced = await failing.service.changeStatus(tenantRecord(), 'terminate', 'the engine lost the volume', { force: true });
    expect(forced.audit.changes).toMatchObject({ status: { to: 'terminated' }, backupFirst: { to: expect.stringContaining('forced past a failed backup') } });
  });

  it('backs up before a plan change that replaces the container, and keeps the plan when that backup fails', async () => {
    const ok = setup();
    await ok.service.update(tenantRecord(), { plan: 'starter' });
    expect(ok.backedUp).toEqual([]);
    await ok.service.update(tenantRecord(), { plan: 'business' });
    expect(ok.backedUp).toEqual(['acme:before_plan_change']);
    const failing = setup({ backup: 'failed' });
    await expect(failing.service.update(tenantRecord(), { plan: 'business' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('The plan was not changed') });
    expect(failing.updates).toEqual([]);
    expect(failing.started).toEqual([]);
  });

  it('approves and rejects only a sign-up that waits, and a rejected one ends terminated, unbilled and released', async () => {
    const { service, started, statuses, released, updates } = setup();
    await expect(service.approve(tenantRecord({ approval: null }))).rejects.toMatchObject({ code: 'CONFLICT' });
    await service.approve(tenantRecord({ approval: 'pending' }));
    expect(started).toHaveLength(1);
    await service.reject(tenantRecord({ approval: 'pending' }), 'spam');
    expect(updates.at(-1)).toEqual({ approval: 'rejected', status: 'terminated' });
    expect(statuses).toEqual(['canceled']);
    expect(released).toEqual(['acme']);
  });
});
