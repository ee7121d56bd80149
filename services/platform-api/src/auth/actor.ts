import type { ActorKind, Audience } from '@tessera/contracts';
import type { UserRecord } from '../users/user.schema';
import type { SupportAccess } from './access-records';

/** Who is calling, resolved once per request by the AccessGuard. */
export interface Actor {
  subject: string;
  audiences: Audience[];
  /** The user behind a portal or operator token; null for a machine (CI) token. */
  user: UserRecord | null;
  /** Operator audience AND platformAdmin in the database. */
  isOperator: boolean;
  groups: string[];
  /** Set by the AccessGuard when an operator reaches a tenant's people or workspace through an approved support grant. */
  support?: SupportAccess;
}

export function actorKind(actor: Actor): ActorKind {
  if (!actor.user) return 'machine';
  return actor.isOperator ? 'operator' : 'user';
}
