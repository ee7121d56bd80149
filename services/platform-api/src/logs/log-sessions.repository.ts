import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Connection } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';

interface LogSession {
  /** `<tenant id>:<subject>:<support grant id or "member">`. */
  _id: string;
  startedAt: Date;
  expiresAt: Date;
}

/**
 * Sessions of reading a workspace's logs: one row per person, tenant and
 * support grant while a session lasts, so that reading is audited once per
 * session however many requests (and API processes) serve it. Beginning a
 * session is an insert: the primary key decides between concurrent requests,
 * as for the provisioning leases (FerretDB v1 applies no conditional update
 * atomically). An expired row is replaced by the next reader's.
 */
@Injectable()
export class LogSessionsRepository {
  private readonly sessions: Collection<LogSession>;

  constructor(@InjectConnection() connection: Connection) {
    this.sessions = connection.collection<LogSession>('workspace_log_sessions');
  }

  /** True when this call began a new session for `key` (none was running at `now`): the caller audits it. */
  async begin(key: string, now: Date, lengthMs: number): Promise<boolean> {
    if (await this.insert(key, now, lengthMs)) return true;
    const current = await this.sessions.findOne({ _id: key });
    if (current && current.expiresAt.getTime() > now.getTime()) return false;
    if (current) await this.sessions.deleteOne({ _id: key, expiresAt: current.expiresAt });
    return this.insert(key, now, lengthMs);
  }

  private async insert(key: string, now: Date, lengthMs: number): Promise<boolean> {
    try {
      await this.sessions.insertOne({ _id: key, startedAt: now, expiresAt: new Date(now.getTime() + lengthMs) });
      return true;
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }
}
