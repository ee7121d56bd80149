import { BackupsModule } from '../../src/backups/backups.module';
import { PlanCatalogModule } from '../../src/plans/plan-catalog.module';
import type { Actor } from '../../src/auth/actor';
import { DomainError } from '../../src/common/errors/domain-error';
import { MembershipsRepository } from '../../src/memberships/memberships.repository';
import { LiveEventsModule } from '../../src/events/live-events.module';
import { ProvisioningModule } from '../../src/provisioning/provisioning.module';
import { TenantsModule } from '../../src/tenants/tenants.module';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { TenantsService } from '../../src/tenants/tenants.service';
import type { UserRecord } from '../../src/users/user.schema';
import { UsersModule } from '../../src/users/users.module';
import { UsersRepository } from '../../src/users/users.repository';
import { openDataModule, type DataModule } from '../support/data-module';

/** What the tenants' service needs, backups (the port taken before terminate and plan changes) included. */
const MODULES = [PlanCatalogModule, TenantsModule, UsersModule, LiveEventsModule, ProvisioningModule, BackupsModule];

describe('tenants on the real database', () => {
  let data: DataModule;
  let service: TenantsService;
  let repository: TenantsRepository;
  let memberships: MembershipsRepository;
  let users: UsersRepository;

  const actorFor = (user: UserRecord, isOperator = false): Actor => ({ subject: user.subject, audiences: ['portal'], user, isOperator, groups: [] });
  const newUser = async (subject: string) =>
    (await users.insert({ subject, email: `${subject}@example.test`, name: subject, username: subject, platformAdmin: false, lastSeenAt: null })).user;

  beforeAll(async () => {
    data = await openDataModule('tenants', MODULES);
    service = data.module.get(TenantsService);
    repository = data.module.get(TenantsRepository);
    memberships = data.module.get(MembershipsRepository);
    users = data.module.get(UsersRepository);
  });
  afterAll(() => data.close());

  it('lets exactly one of two concurrent creates of the same slug win; the other gets 409', async () => {
    const [first, second] = await Promise.all([newUser('racer-1'), newUser('racer-2')]);
    const results = await Promise.allSettled([
      service.create(actorFor(first), { slug: 'photo-finish', name: 'One' }),
      service.create(actorFor(second), { slug: 'photo-finish', name: 'Two' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(DomainError);
    expect((lost[0]!.reason as DomainError).code).toBe('CONFLICT');
    const stored = await repository.list({ search: 'photo-finish' }, 0, 10);
    expect(stored.total).toBe(1);
    const owners = await memberships.listActiveFor(stored.items[0]!.id);
    expect(owners).toHaveLength(1);
  });

  it('ensure() creates a tenant once, however often and concurrently it is called', async () => {
    const seed = { slug: 'seeded', name: 'Seeded', plan: 'free', status: 'active', industry: null, brandColor: null } as const;
    const results = await Promise.all([repository.ensure(seed), repository.ensure(seed), repository.ensure(seed)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.tenant.id)).size).toBe(1);
  });

  it('lists with filters, literal search, a restriction to given ids, and stable paging', async () => {
    const owner = await newUser('lister');
    for (const [slug, plan] of [['alpha-co', 'starter'], ['beta-co', 'business'], ['gamma-co', 'business']] as const) {
      await service.create(actorFor(owner), { slug, name: `${slug} (${plan})`, plan });
    }
    expect((await repository.list({ plan: 'business', search: '-co' }, 0, 10)).items.map((t) => t.slug).sort()).toEqual(['beta-co', 'gamma-co']);
    expect((await repository.list({ search: '(starter)' }, 0, 10)).items.map((t) => t.slug)).toEqual(['alpha-co']);
    const alpha = (await repository.findBySlug('alpha-co'))!;
    expect((await repository.list({ onlyIds: [alpha.id] }, 0, 10)).items.map((t) => t.slug)).toEqual(['alpha-co']);
    expect((await repository.list({ onlyIds: [] }, 0, 10)).total).toBe(0);
    const pages = [await repository.list({ search: '-co' }, 0, 2), await repository.list({ search: '-co' }, 2, 2)];
    expect(pages.flatMap((p) => p.items.map((t) => t.slug)).sort()).toEqual(['alpha-co', 'beta-co', 'gamma-co']);
    expect(pages[0]!.total).toBe(3);
  });

  it('loses no write when an owner edit and provisioning records land on one tenant at once', async () => {
    // Straight into the repository: a tenant created through the service starts
    // provisioning in the background, whose own records would race these.
    const { id } = await repository.create({ slug: 'busy-doc', name: 'Busy', plan: 'free', status: 'pending', industry: null, brandColor: null });
    const steps = ['identity', 'workspace', 'route', 'mail', 'files'];
    await Promise.all([
      repository.update(id, { domains: ['one.busy.example'] }),
      ...steps.map((step) => repository.recordSteps(id, { [step]: { state: 'ok', attempts: 1, updatedAt: new Date() } })),
      repository.update(id, { industry: 'logistics' }),
    ]);
    const stored = (await repository.list({ search: 'busy-doc' }, 0, 1)).items[0]!;
    expect(stored.domains).toEqual(['one.busy.example']);
    expect(stored.industry).toBe('logistics');
    expect(steps.map((step) => stored.provisioning[step]?.state)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('loses no write when two API processes write one tenant at once, a hundred times over', async () => {
    // A second process on the same database: its own repository, its own in-process queue.
    const other = await openDataModule('tenants', MODULES, { uri: data.uri });
    try {
      const elsewhere = other.module.get(TenantsRepository);
      const { id } = await repository.create({ slug: 'two-processes', name: 'Two', plan: 'free', status: 'pending', industry: null, brandColor: null });
      const lost: number[] = [];
      for (let round = 1; round <= 100; round += 1) {
        // An owner's edit on this process, a reconcile recording its step on the other.
        await Promise.all([
          repository.update(id, { industry: `round ${round}` }),
          elsewhere.recordSteps(id, { identity: { state: 'error', error: 'down', attempts: round, updatedAt: new Date() } }),
        ]);
        const stored = await elsewhere.fresh(id);
        if (stored?.industry !== `round ${round}` || stored.provisioning['identity']?.attempts !== round) lost.push(round);
      }
      expect(lost).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('moves status only from the statuses a transition allows', async () => {
    const owner = await newUser('mover');
    const { result } = await service.create(actorFor(owner), { slug: 'mover', name: 'Mover' });
    const id = result.id;
    expect(await repository.transition(id, ['suspended'], 'active')).toBeNull();
    expect((await repository.transition(id, ['pending', 'active'], 'suspended'))?.status).toBe('suspended');
  });
});
