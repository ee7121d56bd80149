import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Connection } from 'mongoose';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';

interface Lease {
  _id: string;
  holder: string;
  expiresAt: Date;
}

/**
 * Per-tenant leases in the database, so that two reconciles of one tenant —
 * in one process or in several — never provision it at the same time.
 *
 * A lease is a row that exists only while it is held, and taking it is an
 * insert: the primary key decides between concurrent callers. (A conditional
 * update is not enough: FerretDB v1 does not apply `updateOne` with a filter
 * atomically, and 20 callers could all "take" a released lease.) A holder
 * that crashed leaves a row behind; once it has expired, the next caller
 * removes exactly that row and inserts its own.
 */
@Injectable()
export class LeaseRepository {
  private readonly leases: Collection<Lease>;

  constructor(
    @InjectConnection() connection: Connection,
    private readonly clock: Clock,
  ) {
    this.leases = connection.collection<Lease>('provisioning_leases');
  }

  /** True when `holder` now holds the lease on `key` for `ttlMs`. */
  async acquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    if (await this.insert(key, holder, ttlMs)) return true;
    const current = await this.leases.findOne({ _id: key });
    if (current && current.expiresAt.getTime() > this.clock.now().getTime()) return false;
    if (current) await this.leases.deleteOne({ _id: key, holder: current.holder, expiresAt: current.expiresAt });
    return this.insert(key, holder, ttlMs);
  }

  /**
   * Runs `work` while holding the lease on `key`, waiting for it (real time,
   * up to `waitMs`) while someone else holds it: writes that must not meet,
   * in this process or in others. A 409 saying `busy` when it stays held.
   */
  async holding<T>(key: string, holder: string, options: { ttlMs: number; waitMs: number; busy: string }, work: () => Promise<T>): Promise<T> {
    const deadline = this.clock.monotonic() + options.waitMs;
    let pause = 5;
    while (!(await this.acquire(key, holder, options.ttlMs))) {
      if (this.clock.monotonic() >= deadline) throw DomainError.conflict(options.busy);
      await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
      pause = Math.min(pause * 2, 100);
    }
    try {
      return await work();
    } finally {
      await this.release(key, holder).catch(() => undefined);
    }
  }

  /** Whether someone holds the lease on `key` now (a row that has not expired). */
  async isHeld(key: string): Promise<boolean> {
    const current = await this.leases.findOne({ _id: key });
    return current !== null && current.expiresAt.getTime() > this.clock.now().getTime();
  }

  /** Moves the end of a lease `holder` holds to `ttlMs` from now; false when it holds it no longer. */
  async renew(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const renewed = await this.leases.updateOne({ _id: key, holder }, { $set: { expiresAt: new Date(this.clock.now().getTime() + ttlMs) } });
    return renewed.matchedCount > 0;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.leases.deleteOne({ _id: key, holder });
  }

  private async insert(key: string, holder: string, ttlMs: number): Promise<boolean> {
    try {
      await this.leases.insertOne({ _id: key, holder, expiresAt: new Date(this.clock.now().getTime() + ttlMs) });
      return true;
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }
}
