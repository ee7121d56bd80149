/**
 * What a mutating service method returns: its result plus the description of
 * the change. The AuditInterceptor writes that description as one AuditEvent
 * and answers the result, so no route writes audit events by itself.
 */
export interface AuditDraft {
  action: string;
  target: { type: string; id: string | null };
  tenantId?: string | null;
  partnerId?: string | null;
  changes?: Record<string, { from: unknown; to: unknown }>;
  reason?: string | null;
}

const MUTATION = Symbol('tessera.mutation');

export interface Mutation<T> {
  readonly [MUTATION]: true;
  readonly result: T;
  readonly audit: AuditDraft;
}

export function mutation<T>(result: T, audit: AuditDraft): Mutation<T> {
  return { [MUTATION]: true, result, audit };
}

export function isMutation(value: unknown): value is Mutation<unknown> {
  return typeof value === 'object' && value !== null && MUTATION in value;
}

/** Where a tenant's audit events point: the tenant, and its partner when it has one. */
export function tenantTarget(tenant: { id: string; partnerId: string | null }): Pick<AuditDraft, 'target' | 'tenantId' | 'partnerId'> {
  return { target: { type: 'tenant', id: tenant.id }, tenantId: tenant.id, partnerId: tenant.partnerId };
}

/** The fields whose values differ between before and after, as `{ from, to }`. */
export function changesBetween<T extends object>(before: T, after: T, fields: readonly (keyof T)[]): AuditDraft['changes'] {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of fields) {
    const from = normalise(before[field]);
    const to = normalise(after[field]);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[String(field)] = { from, to };
  }
  return changes;
}

function normalise(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null && 'toHexString' in value) return String(value);
  return value;
}
