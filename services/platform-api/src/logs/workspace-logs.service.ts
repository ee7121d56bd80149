import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { LOG_TAIL_MAX, ROLE_PERMISSIONS, type LogLine } from '@tessera/contracts';
import type { ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { AuditService } from '../audit/audit.service';
import type { TenantAccess } from '../auth/access-records';
import { AccessRepository } from '../auth/access.repository';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import { IntegrationDisabled } from '../integrations/integration-error';
import { UsersService } from '../users/users.service';
import { LogSessionsRepository } from './log-sessions.repository';

/** Where a resumed stream picks up: the last line's timestamp, and how many lines with that timestamp were sent. */
export interface ResumePoint {
  at: string;
  seen: number;
}

interface OpenStream {
  tenant: string;
  lines: Readable;
  response: ServerResponse;
  end: (reason: string) => void;
}

/** What one open stream holds in this process: what a slow reader can make the API keep. */
export interface StreamHolding {
  tenant: string;
  /** The client has not taken what was sent: nothing more is read from the engine until it does. */
  waitingForClient: boolean;
  /** Lines read from the engine and not yet sent, bytes not yet made into lines, bytes not yet handed to the socket. */
  heldLines: number;
  heldBytes: number;
}

/**
 * A workspace's logs, read from the engine as they are sent and never
 * stored: the last lines as NDJSON, or a followed stream as server-sent
 * events, one event per line, with a heartbeat.
 *
 * - Access: the guard checks every request (`workspace.logs`: owners, and
 *   operators with approved support access); a followed stream checks again
 *   at each heartbeat and ends when the access has gone (a grant revoked or
 *   expired, an owner demoted).
 * - Audit: once per session, not per request: the first request of a person
 *   on a tenant (under one support grant) writes `workspace.logs.read` and
 *   begins a session of LOGS_AUDIT_SESSION_MINUTES, held in the database so
 *   every API process agrees.
 * - Bounds: lines come from the engine only as fast as the client takes them
 *   (the response's backpressure pauses the engine's stream), long lines are
 *   cut (LogLines), a heartbeat is never queued behind a stalled client, and
 *   one process serves at most LOGS_MAX_STREAMS at once. When the client
 *   goes away the engine's stream is closed.
 */
@Injectable()
export class WorkspaceLogsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkspaceLogsService.name);
  private readonly open = new Set<OpenStream>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly sessions: LogSessionsRepository,
    private readonly access: AccessRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** The streams this process serves now, and what each holds in memory. */
  openStreams(): StreamHolding[] {
    return [...this.open].map(({ tenant, lines, response }) => ({
      tenant,
      waitingForClient: response.writableNeedDrain,
      heldLines: lines.readableLength,
      // The adapter's lines are a Transform: what it took from the engine and has not made into lines yet counts too.
      heldBytes: ((lines as Partial<Duplex>).writableLength ?? 0) + response.writableLength,
    }));
  }

  /** The last `tail` lines, as NDJSON (one LogLine a line), then the answer ends. */
  async sendTail(actor: Actor, tenant: TenantAccess, tail: number, requestId: string, response: ServerResponse): Promise<void> {
    this.checkCapacity();
    const lines = await this.openLines(actor, tenant, { tail, follow: false }, requestId);
    const stream = this.track(tenant, lines, response, () => lines.destroy());
    // The connection's end, not the request's: a request without a body may count as done at once.
    response.once('close', () => lines.destroy());
    response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    try {
      for await (const line of lines as AsyncIterable<LogLine>) {
        if (!(await write(response, `${JSON.stringify(line)}\n`))) break;
      }
    } catch (error: unknown) {
      this.logger.warn({ err: error, tenant: tenant.slug }, 'log tail ended early');
    } finally {
      this.untrack(stream, lines);
      response.end();
    }
  }

  /**
   * The last `tail` lines, then every new line as it is printed, as
   * server-sent events (`id` = the line's timestamp and its rank among lines
   * of that timestamp, `data` = the LogLine). A client that reconnects with
   * `Last-Event-ID` gets the lines after that one instead of the tail. A
   * comment line every LOGS_HEARTBEAT_SECONDS; an `end` event with the reason
   * when the workspace stops, the access ends or the API shuts down.
   */
  async sendStream(actor: Actor, tenant: TenantAccess, options: { tail: number; resume: ResumePoint | null }, requestId: string, response: ServerResponse): Promise<void> {
    this.checkCapacity();
    const resume = options.resume;
    const lines = await this.openLines(
      actor,
      tenant,
      resume ? { tail: LOG_TAIL_MAX, follow: true, since: new Date(Date.parse(resume.at)) } : { tail: options.tail, follow: true },
      requestId,
    );
    let ended: string | null = null;
    const finish = (reason: string) => {
      if (ended !== null) return;
      ended = reason;
      lines.destroy();
    };
    const stream = this.track(tenant, lines, response, finish);
    // The connection's end (or the answer's): a request without a body may count as done at once.
    response.once('close', () => finish('client gone'));

    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      // Proxies (nginx and the like) pass the events on at once.
      'x-accel-buffering': 'no',
    });
    response.write('retry: 3000\n\n');

    const heartbeat = setInterval(() => void this.beat(actor, tenant, response, finish), this.config.logs.heartbeatMs);
    heartbeat.unref();
    const position = new LinePosition(resume);
    try {
      for await (const line of lines as AsyncIterable<LogLine>) {
        const id = position.next(line.at);
        if (id === null) continue; // sent before the client reconnected
        if (!(await write(response, `id: ${id}\ndata: ${JSON.stringify(line)}\n\n`))) break;
      }
      ended ??= 'The workspace stopped';
    } catch (error: unknown) {
      if (ended === null) {
        this.logger.warn({ err: error, tenant: tenant.slug }, 'log stream ended early');
        ended = 'The container engine stopped answering';
      }
    } finally {
      clearInterval(heartbeat);
      this.untrack(stream, lines);
      if (ended !== 'client gone' && !response.destroyed) response.write(`event: end\ndata: ${JSON.stringify({ reason: ended })}\n\n`);
      response.end();
    }
  }

  /** Ends every stream this process serves, saying why, so shutting down waits for none. */
  beforeApplicationShutdown(): void {
    for (const stream of this.open) stream.end('The platform API is restarting');
  }

  private checkCapacity(): void {
    if (this.open.size >= this.config.logs.maxStreams) throw new DomainError('RATE_LIMITED', 'Too many log streams are open on this server; try again in a moment');
  }

  /** The engine's stream of lines; then, once it is open, the session's audit event if this request begins one. */
  private async openLines(actor: Actor, tenant: TenantAccess, options: { tail: number; follow: boolean; since?: Date }, requestId: string): Promise<Readable> {
    let lines: Readable;
    try {
      lines = await this.runtime.logs({ tenantId: tenant.id, slug: tenant.slug }, options);
    } catch (error: unknown) {
      // No engine, no container and so no logs: not the platform failing (which would be a 503).
      if (error instanceof IntegrationDisabled) throw new DomainError('NOT_FOUND', `The workspace of ${tenant.slug} has no logs: ${error.reason}`);
      throw error;
    }
    try {
      await this.auditSession(actor, tenant, requestId);
    } catch (error: unknown) {
      lines.destroy();
      throw error;
    }
    return lines;
  }

  private async auditSession(actor: Actor, tenant: TenantAccess, requestId: string): Promise<void> {
    const key = `${tenant.id}:${actor.subject}:${actor.support?.grantId ?? 'member'}`;
    if (!(await this.sessions.begin(key, this.clock.now(), this.config.logs.auditSessionMs))) return;
    await this.audit.record(actor, requestId, {
      action: 'workspace.logs.read',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      partnerId: tenant.partnerId,
      reason: `Reads its logs for up to ${Math.round(this.config.logs.auditSessionMs / 60_000)} minutes without another entry`,
    });
  }

  /** A heartbeat, unless the client has not taken what was sent (then nothing more is queued); and the access, checked again. */
  private async beat(actor: Actor, tenant: TenantAccess, response: ServerResponse, finish: (reason: string) => void): Promise<void> {
    try {
      if (!(await this.stillAllowed(actor, tenant))) return finish('Your access to these logs has ended');
    } catch (error: unknown) {
      this.logger.warn({ err: error, tenant: tenant.slug }, 'could not check log access again');
      return undefined;
    }
    if (!response.writableNeedDrain && !response.destroyed) response.write(': heartbeat\n\n');
    return undefined;
  }

  /** What the guard decided at the start, asked again: a person not disabled, with a role that grants the permission or an approved grant. */
  private async stillAllowed(actor: Actor, tenant: TenantAccess): Promise<boolean> {
    if (!actor.user || !(await this.users.stillEnabled(actor.user.id))) return false;
    const membership = await this.access.tenantRole(tenant.id, actor.user.id);
    if (membership && ROLE_PERMISSIONS[membership.role].includes('workspace.logs')) return true;
    if (!actor.isOperator) return false;
    return (await this.access.supportGrant(tenant.id, actor.user.id, this.clock.now())) !== null;
  }

  private track(tenant: TenantAccess, lines: Readable, response: ServerResponse, end: (reason: string) => void): OpenStream {
    const stream = { tenant: tenant.slug, lines, response, end };
    this.open.add(stream);
    return stream;
  }

  private untrack(stream: OpenStream, lines: Readable): void {
    lines.destroy();
    this.open.delete(stream);
  }
}

/**
 * Writes to the response, waiting while it is full (the client reads slower
 * than the engine writes). False when the client has gone.
 */
async function write(response: ServerResponse, text: string): Promise<boolean> {
  if (response.destroyed) return false;
  if (response.write(text)) return true;
  return new Promise((resolve) => {
    const settle = (drained: boolean) => {
      response.off('drain', onDrain);
      response.off('close', onClose);
      resolve(drained);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    response.on('drain', onDrain);
    response.on('close', onClose);
  });
}

/** Event ids: the line's timestamp and its rank among the lines of that timestamp; skips what a resumed client has. */
export class LinePosition {
  private last = '';
  private rank = 0;

  constructor(private resume: ResumePoint | null) {}

  /** The id of this line, or null when the client had it before reconnecting. */
  next(at: string): string | null {
    const key = stampKey(at);
    this.rank = key === this.last ? this.rank + 1 : 1;
    this.last = key;
    if (this.resume) {
      const resumeKey = stampKey(this.resume.at);
      if (key < resumeKey || (key === resumeKey && this.rank <= this.resume.seen)) return null;
      this.resume = null;
    }
    return `${at} ${this.rank}`;
  }
}

/** An engine timestamp as a string that sorts by time: nanoseconds padded (engines drop trailing zeros). */
export function stampKey(at: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(at);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}` : at;
}

/** `Last-Event-ID` as sent back by an EventSource: "<timestamp> <rank>"; null when absent or not one of ours. */
export function resumePointOf(header: string | string[] | undefined): ResumePoint | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (\d{1,9})$/.exec(value?.trim() ?? '');
  if (!match || Number.isNaN(Date.parse(match[1]!))) return null;
  return { at: match[1]!, seen: Number(match[2]) };
}
