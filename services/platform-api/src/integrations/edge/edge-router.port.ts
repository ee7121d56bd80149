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
  /**
   * Why the route, stored, is not live as wanted on every Traefik that was
   * asked (their APIs), as sentences; empty or absent: live everywhere asked
   * (or no Traefik API to ask).
   */
  notLive?: string[];
}

/**
 * The edge (reverse proxy) in front of the workspaces. Adapters:
 * TraefikFileEdgeRouter (one file per tenant in the dynamic directory one
 * Traefik reads) and TraefikHttpEdgeRouter (the routes in the database, served
 * by every API process to any number of Traefik instances: GET /edge/routes).
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

/** The whole dynamic configuration as Traefik's HTTP provider reads it, rendered once per change. */
export interface RouteDocument {
  /** JSON, and the same bytes gzipped. */
  body: Buffer;
  gzip: Buffer;
  etag: string;
  /** How many tenants' routes it holds. */
  routes: number;
}

/**
 * Where Traefik's HTTP provider reads every route (GET /edge/routes). Bound to
 * the TraefikHttpEdgeRouter, or to a Disabled one when routes live in files.
 */
export abstract class RouteSource {
  /** The current document; throws (never answers a partial or empty one) when the routes cannot be read. */
  abstract document(): Promise<RouteDocument>;
}
