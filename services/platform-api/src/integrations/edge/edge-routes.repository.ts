import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomBytes } from 'node:crypto';
import type { Model } from 'mongoose';
import type { RouteSpec } from './edge-router.port';
import { EDGE_ROUTE_MODELS, type EdgeRoute, type EdgeRouteVersion } from './edge-route.schema';

const VERSION_ID = 'routes';

/** The routes the HTTP route source serves, and the version that tells every API process they changed. */
@Injectable()
export class EdgeRoutesRepository {
  constructor(
    @InjectModel(EDGE_ROUTE_MODELS.route) private readonly routes: Model<EdgeRoute>,
    @InjectModel(EDGE_ROUTE_MODELS.version) private readonly versions: Model<EdgeRouteVersion>,
  ) {}

  async find(slug: string): Promise<RouteSpec | null> {
    const row = await this.routes.findById(slug).lean();
    return row ? specOf(row) : null;
  }

  /** Every route, by slug. */
  async all(): Promise<RouteSpec[]> {
    const rows = await this.routes.find().sort({ _id: 1 }).lean();
    return rows.map(specOf);
  }

  /** Stores the route, then gives the set a new version (in that order: a process that reads the new version finds the route). */
  async save(spec: RouteSpec, at: Date): Promise<void> {
    const services = spec.services.map(({ name, hosts, target }) => ({ name, hosts, target }));
    await this.routes.updateOne({ _id: spec.slug }, { $set: { services, suspended: spec.suspended, updatedAt: at } }, { upsert: true });
    await this.touch(at);
  }

  /** Removes the route; true when there was one. */
  async remove(slug: string, at: Date): Promise<boolean> {
    const { deletedCount } = await this.routes.deleteOne({ _id: slug });
    if (deletedCount > 0) await this.touch(at);
    return deletedCount > 0;
  }

  /** The current version of the whole set; null when no route was ever stored in this database. */
  async version(): Promise<string | null> {
    const row = await this.versions.findById(VERSION_ID).lean();
    return row?.version ?? null;
  }

  private async touch(at: Date): Promise<void> {
    await this.versions.updateOne({ _id: VERSION_ID }, { $set: { version: randomBytes(12).toString('base64url'), changedAt: at } }, { upsert: true });
  }
}

function specOf(row: EdgeRoute): RouteSpec {
  return { slug: row._id, services: row.services.map(({ name, hosts, target }) => ({ name, hosts: [...hosts], target })), suspended: row.suspended };
}
