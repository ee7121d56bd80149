import { Clock } from '../common/clock';
import { Notifier, type Notice } from '../common/notifier';
import type { IncidentEntryRecord, IncidentRecord } from './incident.schema';
import type { IncidentsRepository, NewIncident } from './incidents.repository';
import { describeDuration, IncidentsService, type Observation } from './incidents.service';

class RecordingNotifier extends Notifier {
  readonly notices: Notice[] = [];
  notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
    return Promise.resolve();
  }
}

/** Only what open() and resolveAutomatically() use: an in-memory list of incidents. */
function memoryRepository() {
  const rows: IncidentRecord[] = [];
  const repository = {
    findById: (id: string) => Promise.resolve(rows.find((r) => r.id === id) ?? null),
    open: (draft: NewIncident) => {
      if (rows.some((row) => row.cause === draft.cause && row.state === 'open')) return Promise.resolve(null);
      const row: IncidentRecord = { ...draft, id: String(rows.length + 1), state: 'open', acknowledgedAt: null, resolvedAt: null, resolution: null, timeline: [draft.opened] };
      rows.push(row);
      return Promise.resolve(row);
    },
    note: (id: string, entry: IncidentEntryRecord) => {
      const row = rows.find((r) => r.id === id)!;
      row.timeline.push(entry);
      return Promise.resolve(row);
    },
    resolve: (incident: IncidentRecord, entry: IncidentEntryRecord, resolution: 'automatic' | 'operator') => {
      const row = rows.find((r) => r.id === incident.id && r.state === 'open');
      if (!row) return Promise.resolve(null);
      Object.assign(row, { state: 'resolved', resolution, resolvedAt: entry.at });
      row.timeline.push(entry);
      return Promise.resolve(row);
    },
  };
  return { rows, repository: repository as unknown as IncidentsRepository };
}

const probeDown: Observation = { cause: 'probe:edge', kind: 'probe', failing: true, title: 'The edge probe is failing', detail: 'The edge probe fails: ENOTDIR.', probe: 'edge', tenantId: null };

describe('IncidentsService opening and resolving', () => {
  const build = () => {
    const notifier = new RecordingNotifier();
    const { rows, repository } = memoryRepository();
    const tenants = { findById: () => Promise.resolve(null) };
    const none = {} as never;
    const leases = { holding: <T>(_key: string, _holder: string, _options: unknown, work: () => Promise<T>) => work() };
    const service = new IncidentsService(repository, tenants as never, none, none, none, none, notifier, new Clock(), leases as never, none, none);
    return { service, notifier, rows };
  };

  it('tells people through the Notifier when an incident opens and when it resolves, and writes "notified" on the timeline each time', async () => {
    const { service, notifier, rows } = build();
    const opened = await service.open(probeDown, new Date(Date.now() - 200_000));
    expect(opened).not.toBeNull();
    expect(notifier.notices).toEqual([expect.objectContaining({ kind: 'incident.opened', tenantId: null, key: `incident.opened:${opened!.id}` })]);
    await service.resolveAutomatically(opened!, 'the edge probe is answering again.');
    expect(notifier.notices.map((n) => n.kind)).toEqual(['incident.opened', 'incident.resolved']);
    expect(rows[0]!.timeline.map((e) => e.type)).toEqual(['opened', 'notified', 'resolved', 'notified']);
  });

  it('opens no second incident for a cause with one open, and tells nobody about it', async () => {
    const { service, notifier, rows } = build();
    await service.open(probeDown, new Date());
    expect(await service.open(probeDown, new Date())).toBeNull();
    expect(rows).toHaveLength(1);
    expect(notifier.notices).toHaveLength(1);
  });

  it('says durations in words', () => {
    expect(describeDuration(40_000)).toBe('40 seconds');
    expect(describeDuration(60_000)).toBe('1 minute');
    expect(describeDuration(3_900_000)).toBe('1 hour 5 minutes');
  });
});
