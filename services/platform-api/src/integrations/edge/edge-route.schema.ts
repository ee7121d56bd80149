import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** The models' names (beside common/model-names.ts: integrations import nothing from common, which imports their errors). */
export const EDGE_ROUTE_MODELS = { route: 'EdgeRoute', version: 'EdgeRouteVersion' } as const;

@Schema({ _id: false })
export class StoredRouteService {
  @Prop({ type: String, required: true })
  name: string;

  @Prop({ type: [String], required: true })
  hosts: string[];

  @Prop({ type: String, required: true })
  target: string;
}

/**
 * One tenant's route as the HTTP route source serves it (TraefikHttpEdgeRouter):
 * the RouteSpec the route step wants, keyed by the tenant's slug. The document
 * Traefik reads is rendered from every row; a route removed (terminate) is
 * deleted here, as the file adapter deletes its file: the tenant keeps its
 * record, this is only what the edge serves now.
 */
@Schema({ collection: 'edge_routes' })
export class EdgeRoute {
  /** The tenant's slug. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: [StoredRouteService], required: true })
  services: StoredRouteService[];

  @Prop({ type: Boolean, required: true })
  suspended: boolean;

  @Prop({ type: Date, required: true })
  updatedAt: Date;
}

export const EdgeRouteSchema = SchemaFactory.createForClass(EdgeRoute);
// No index beyond the primary key: a route is read by slug, and the document is all of them.

/**
 * The version of the whole set of routes: one row, given a new random value
 * after every change of a route. Each API process compares it with the version
 * its cached document was rendered from, so a change made through any process
 * reaches every process's document. A new value, not a counter: FerretDB v1 may
 * lose one of two concurrent updates of a row, and a lost `$inc` could repeat a
 * number; whichever random value wins, it differs from every earlier one.
 */
@Schema({ collection: 'edge_route_versions' })
export class EdgeRouteVersion {
  /** Always `routes`. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  version: string;

  @Prop({ type: Date, required: true })
  changedAt: Date;
}

export const EdgeRouteVersionSchema = SchemaFactory.createForClass(EdgeRouteVersion);
// No index beyond the primary key: the one row is read by it.
