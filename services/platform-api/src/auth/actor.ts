import type { ActorKind, Audience } from '@tessera/contracts';
import type { UserDocument } from '../users/user.schema';

/** Who is calling, resolved once per request by the AccessGuard. */
export interface Actor {
  subject: string;
  audiences: Audience[];
  /** The user behind a portal or operator token; null for a machine (CI) token. */
  user: UserDocument | null;
  /** Operator audience AND platformAdmin in the database. */
  isOperator: boolean;
  groups: string[];
  /** Set by the AccessGuard when an operator reaches a tenant's people or workspace through an approved support grant. */
  support?: { grantId: string; approvedBy: string };
}

export function actorKind(actor: Actor): ActorKind {
  if (!actor.user) return 'machine';
  return actor.isOperator ? 'operator' : 'user';
}
