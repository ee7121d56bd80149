export type ActorKind = 'user' | 'operator' | 'machine' | 'system';

export interface AuditEvent {
  id: string;
  at: string;
  requestId: string;
  actor: { kind: ActorKind; subject: string; userId: string | null };
  action: string;
  target: { type: string; id: string | null };
  tenantId: string | null;
  partnerId: string | null;
  /** Changed fields: for each, the value before and after. */
  changes: Record<string, { from: unknown; to: unknown }>;
  /** Why, when the caller said (suspensions, terminations). */
  reason: string | null;
  /** When an operator acted under support access: the grant, and the owner who approved it. */
  support: { grantId: string; approvedBy: string } | null;
}
