import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { Notifier, type Notice } from '../../src/common/notifier';
import { IncidentsRepository } from '../../src/incidents/incidents.repository';
import { IncidentsService } from '../../src/incidents/incidents.service';
import { LeaseRepository } from '../../src/provisioning/lease.repository';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { UsersRepository } from '../../src/users/users.repository';
import { TestClock } from '../support/clock';
import { openDataModule, type DataModule } from '../support/data-module';

class RecordingNotifier extends Notifier {
  readonly notices: Notice[] = [];
  notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
    return Promise.resolve();
  }
}

/**
 * Resolving an incident on the real database (FerretDB or MONGODB_URI), from
 * many callers at once. Seen on FerretDB v1.24.2 without the lease: of 30
 * concurrent conditional findOneAndUpdate calls, 3 to 23 answered the
 * updated incident, so each of them told people it was resolved.
 */
describe('resolving an incident', () => {
  let data: DataModule;
  const clock = new TestClock();

  beforeAll(async () => {
    data = await openDataModule('incident_resolve', []);
  });
  afterAll(() => data.close());

  it('writes one "resolved" entry and tells people once when thirty resolutions race, by hand and automatically', async () => {
    const notifier = new RecordingNotifier();
    const incidents = data.module.get(IncidentsRepository);
    const none = {} as never;
    const service = new IncidentsService(incidents, data.module.get(TenantsRepository), none, none, none, none, notifier, clock, new LeaseRepository(data.module.get<Connection>(getConnectionToken()), clock), none, none);
    const opened = await service.open({ cause: 'probe:edge', kind: 'probe', failing: true, title: 'The edge probe is failing', detail: 'The edge probe fails.', probe: 'edge', tenantId: null }, new Date(clock.now().getTime() - 300_000));
    expect(opened).not.toBeNull();
    const operator = { subject: 'opal', audiences: ['operator'], user: { id: '0123456789abcdef01234567' }, isOperator: true, groups: [] } as never;
    const results = await Promise.allSettled([
      ...Array.from({ length: 28 }, () => service.resolveAutomatically(opened!, 'the edge probe is answering again.')),
      service.resolve(operator, opened!.id, 'Fixed the route files'),
      service.resolve(operator, opened!.id, 'Fixed the route files too'),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled' && r.value !== null);
    expect(won).toHaveLength(1);
    // Operators who lost the race are told so (409), never a 5xx.
    for (const lost of results.filter((r) => r.status === 'rejected')) expect((lost as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    const after = await incidents.findById(opened!.id);
    expect(after?.state).toBe('resolved');
    expect(after?.timeline.filter((entry) => entry.type === 'resolved')).toHaveLength(1);
    expect(after?.timeline.filter((entry) => entry.type === 'notified')).toHaveLength(2); // opened, resolved
    expect(notifier.notices.filter((notice) => notice.kind === 'incident.resolved')).toHaveLength(1);
  });

  it("loses no entry when an operator's acknowledgement and the pass's resolution of the same incident land at once", async () => {
    const incidents = data.module.get(IncidentsRepository);
    const none = {} as never;
    const service = new IncidentsService(incidents, data.module.get(TenantsRepository), data.module.get(UsersRepository), none, none, none, new RecordingNotifier(), clock, new LeaseRepository(data.module.get<Connection>(getConnectionToken()), clock), none, none);
    const operator = { subject: 'opal', audiences: ['operator'], user: { id: '0123456789abcdef01234567' }, isOperator: true, groups: [] } as never;
    for (let round = 0; round < 12; round += 1) {
      const opened = await service.open({ cause: `probe:race-${round}`, kind: 'probe', failing: true, title: 'A probe is failing', detail: 'It fails.', probe: 'edge', tenantId: null }, new Date(clock.now().getTime() - 300_000));
      const [acknowledged, resolved] = await Promise.allSettled([service.acknowledge(operator, opened!.id), service.resolveAutomatically(opened!, 'the probe answers again.')]);
      const after = await incidents.findById(opened!.id);
      // The resolution always lands; the acknowledgement lands when it came first, and then its entry is kept.
      expect(resolved).toMatchObject({ status: 'fulfilled', value: expect.objectContaining({ state: 'resolved' }) });
      expect(after?.state).toBe('resolved');
      expect(after?.timeline.filter((entry) => entry.type === 'resolved')).toHaveLength(1);
      expect(after?.timeline.some((entry) => entry.type === 'acknowledged')).toBe(acknowledged.status === 'fulfilled');
      expect(after?.acknowledgedAt !== null).toBe(acknowledged.status === 'fulfilled');
      if (acknowledged.status === 'rejected') expect(acknowledged.reason).toMatchObject({ code: 'CONFLICT' });
    }
  });
});
