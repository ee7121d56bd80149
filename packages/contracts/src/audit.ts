export type ActorKind = 'user' | 'operator' | 'machine' | 'system';

/**
 * What the actor of an event is, in words people read: the platform's
 * operators, a partner's team, a tenant's people, CI, or the platform itself.
 * `person` is someone with no role on the event's tenant or partner (any more).
 */
export const AUDIT_ACTOR_ROLES = ['operator', 'partner-admin', 'partner-member', 'owner', 'admin', 'member', 'person', 'ci', 'system'] as const;
export type AuditActorRole = (typeof AUDIT_ACTOR_ROLES)[number];

/** A tenant or partner an event names, as a link needs it. */
export interface AuditRef {
  id: string;
  slug: string;
  name: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  requestId: string;
  /**
   * Who acted. The stored event keeps the token's subject and the user id;
   * name, email and role are read when the page is (the people as they are now),
   * null when unknown or not shown to the reader (operators in a tenant's own activity).
   */
  actor: { kind: ActorKind; subject: string; userId: string | null; name: string | null; email: string | null; role: AuditActorRole };
  action: string;
  /**
   * What was acted on. `label` names it for people (a tenant's or partner's
   * name, a person's name, a flag's key); `slug` is what a link to it needs
   * (a tenant's or partner's slug, a flag's key, the workspace's tenant), null
   * when it has no page.
   */
  target: { type: string; id: string | null; label: string | null; slug: string | null };
  /** The tenant and partner the event belongs to, when there are. */
  tenant: AuditRef | null;
  partner: AuditRef | null;
  /** Names for the ids the changes hold (a new owner, a partner attached or detached), by id. */
  refs: Record<string, string>;
  tenantId: string | null;
  partnerId: string | null;
  /** Changed fields: for each, the value before and after. */
  changes: Record<string, { from: unknown; to: unknown }>;
  /** Why, when the caller said (suspensions, terminations). */
  reason: string | null;
  /** When an operator acted under support access: the grant, and the owner who approved it. */
  support: { grantId: string; approvedBy: string } | null;
}
