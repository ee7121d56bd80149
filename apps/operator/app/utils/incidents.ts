import type { IncidentSummary } from '@tessera/contracts';

const seconds = (from: string, to: string | number) => Math.max(0, ((typeof to === 'number' ? to : Date.parse(to)) - Date.parse(from)) / 1000);

/** Where an incident stands, in one sentence: "Open for 12 minutes; an operator is on it." */
export function incidentStanding(incident: IncidentSummary, now = Date.now()): string {
  if (incident.state === 'open') {
    const open = `Open for ${formatDuration(seconds(incident.openedAt, now))}, failing since ${formatDateTime(incident.failingSince)}`;
    return incident.acknowledgedAt ? `${open}; an operator is on it.` : `${open}; nobody has acknowledged it yet.`;
  }
  const lasted = formatDuration(seconds(incident.openedAt, incident.resolvedAt ?? now));
  return incident.resolution === 'operator' ? `Resolved by an operator after ${lasted}, on ${formatDateTime(incident.resolvedAt)}.` : `Resolved by itself after ${lasted}, when its cause cleared on ${formatDateTime(incident.resolvedAt)}.`;
}

/** What an incident is about, for a list: the tenant or the platform's part. */
export function incidentSubject(incident: IncidentSummary): string {
  if (incident.tenant) return `Tenant ${incident.tenant.name || incident.tenant.slug}`;
  return `The platform's ${incident.probe ?? 'dependencies'}`;
}
