/** One service of a tenant's workspace, as the edge routes it. */
export interface RouteService {
  /** The service's name (see SERVICE_NAME_PATTERN); never holds `--`. */
  name: string;
  /** The hosts it answers at: `<slug>.<base domain>` and the custom domains for the default service, `<name>--<slug>.<base domain>` for another. */
  hosts: string[];
  /** Where an active tenant's requests for it go. */
  target: string;
}

export interface RouteSpec {
  slug: string;
  /** The workspace's services, the default one first. */
  services: RouteService[];
  /** A suspended tenant's hosts, every service's, show the suspended page instead. */
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
