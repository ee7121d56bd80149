import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Connection } from 'mongoose';

interface Lease {
  _id: string;
  holder: string;
  expiresAt: Date;
}

/**
 * Per-tenant leases in the database, so that two reconciles of one tenant —
 * in one process or in several — never provision it at the same time. A
 * lease ends when released or when it expires (a crashed holder).
 */
@Injectable()
export class LeaseRepository {
  private readonly leases: Collection<Lease>;

  constructor(@InjectConnection() connection: Connection) {
    this.leases = connection.collection<Lease>('provisioning_leases');
  }

  /** True when `holder` now holds the lease on `key` for `ttlMs`. */
  async acquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const taken = await this.leases.updateOne({ _id: key, expiresAt: { $lte: now } }, { $set: { holder, expiresAt } });
    if (taken.modifiedCount === 1) return true;
    try {
      await this.leases.insertOne({ _id: key, holder, expiresAt });
      return true;
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }

  /** Ends the lease if `holder` still holds it (it is kept, expired, not deleted). */
  async release(key: string, holder: string): Promise<void> {
    await this.leases.updateOne({ _id: key, holder }, { $set: { expiresAt: new Date(0) } });
  }
}
