import type { Tenant as TenantShape } from '@tessera/contracts';
import type { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { TenantHealthService } from '../tenants/tenant-health.service';
import type { TenantRecord } from '../tenants/tenant.schema';
import type { TenantsRepository } from '../tenants/tenants.repository';
import type { PartnerRecord } from './partner.schema';
import type { PartnersRepository } from './partners.repository';
import { PartnersService } from './partners.service';

/** The partner rules with every port stubbed. */
function partnerRecord(fields: Partial<PartnerRecord> = {}): PartnerRecord {
  return {
    id: 'p1', slug: 'resellers', name: 'Resellers', status: 'active', marginPct: 20,
    contact: { name: null, email: null, phone: null }, billing: { company: null, address: null, vatId: null, email: null }, notificationEmail: null,
    branding: { displayName: null, logoUrl: null, primaryColor: null, accentColor: null, supportUrl: null },
    createdAt: new Date(0), updatedAt: new Date(0), ...fields,
  };
}
const tenant = (partnerId: string | null) => ({ id: 't1', slug: 'acme', partnerId }) as TenantRecord;

function setup(partners: PartnerRecord[], mrr: { partnerId: string; currency: string; gross: number }[] = []) {
  const moved: (string | null)[] = [];
  const repository = {
    findBySlug: async (slug: string) => partners.find((p) => p.slug === slug) ?? null,
    update: async (_id: string, changes: Partial<PartnerRecord>) => ({ ...partners[0]!, ...changes }),
    list: async () => ({ items: partners, total: partners.length }),
  } as unknown as PartnersRepository;
  const tenants = {
    update: async (_id: string, changes: { partnerId: string | null }) => (moved.push(changes.partnerId), tenant(changes.partnerId)),
    customerCounts: async () => new Map([['p1', 2]]),
  } as unknown as TenantsRepository;
  const subscriptions = { followPartner: async () => undefined, grossMrrByPartner: async () => mrr } as unknown as SubscriptionsService;
  const health = { describeOne: async (t: TenantRecord) => ({ slug: t.slug, partnerId: t.partnerId }) as unknown as TenantShape } as unknown as TenantHealthService;
  return { service: new PartnersService(repository, tenants, subscriptions, health), moved };
}

describe('PartnersService', () => {
  it('terminates a partner once: a second time is a conflict', async () => {
    const { service } = setup([partnerRecord()]);
    expect((await service.terminate(partnerRecord(), 'closing')).audit).toMatchObject({ action: 'partner.terminate', changes: { status: { from: 'active', to: 'terminated' } } });
    await expect(service.terminate(partnerRecord({ status: 'terminated' }))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('attaches a tenant only to a live partner it is not on already, and detaches only one that has a partner', async () => {
    const { service, moved } = setup([partnerRecord(), partnerRecord({ id: 'p2', slug: 'gone', status: 'terminated' })]);
    await expect(service.attach(tenant(null), 'nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.attach(tenant(null), 'gone')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.attach(tenant('p1'), 'resellers')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.detach(tenant(null))).rejects.toMatchObject({ code: 'CONFLICT' });
    const attached = await service.attach(tenant(null), 'resellers');
    expect(attached.audit.changes).toEqual({ partnerId: { from: null, to: 'p1' } });
    await service.detach(tenant('p1'));
    expect(moved).toEqual(['p1', null]);
  });

  it('counts customers and sums MRR per currency, the margin rounded to a minor unit', async () => {
    const { service } = setup([partnerRecord({ marginPct: 15 })], [
      { partnerId: 'p1', currency: 'USD', gross: 999 },
      { partnerId: 'p1', currency: 'EUR', gross: 4_900 },
    ]);
    const [summary] = (await service.list({ page: 1, pageSize: 20 })).items;
    expect(summary).toMatchObject({ customerCount: 2, mrr: [{ currency: 'EUR', gross: 4_900, margin: 735 }, { currency: 'USD', gross: 999, margin: 150 }] });
  });
});
