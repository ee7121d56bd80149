export interface RouteSpec {
  slug: string;
  /** `<slug>.<base domain>` and the tenant's custom domains. */
  hosts: string[];
  /** Where an active tenant's requests go. */
  target: string;
  /** A suspended tenant's hosts show the suspended page instead. */
  suspended: boolean;
}

export interface RouteEnsured {
  handle: string;
  drift: string[];
}

/**
 * The edge (reverse proxy) in front of the workspaces. Adapter:
 * TraefikFileEdgeRouter (one file per tenant in Traefik's dynamic directory).
 */
export abstract class EdgeRouter {
  /** Writes the tenant's route unless it is already exactly so. */
  abstract ensureRoute(spec: RouteSpec): Promise<RouteEnsured>;
  /** Removes the tenant's route; true when there was one. */
  abstract removeRoute(slug: string): Promise<boolean>;
  /** Throws when routes cannot be written. */
  abstract ping(): Promise<void>;
  /** The route as stored, or null. */
  abstract readRoute(slug: string): Promise<string | null>;
}
