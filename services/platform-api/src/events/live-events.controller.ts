import { Controller, Get, Logger, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import type { LiveEventRecord } from './live-event.schema';
import { LiveEvents } from './live-events.service';
import { UsersService } from '../users/users.service';
import { LiveStreamService, toLiveEvent } from './live-stream.service';

const HEARTBEAT_MS = 15_000;
/** What a slow reader may leave unread before its stream is ended (it resumes where it was). */
const MAX_BUFFERED = 1024 * 1024;

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class LiveEventsController {
  private readonly logger = new Logger(LiveEventsController.name);

  constructor(
    private readonly events: LiveEvents,
    private readonly streams: LiveStreamService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Server-sent events: every change to a tenant the caller may see, as it
   * happens. `Last-Event-ID` resumes after an event. A stream ends after
   * LIVE_STREAM_MAX_SECONDS; the browser reconnects at once, resuming, and
   * its access is checked again, so a person whose access ended stops seeing
   * events within that time. A person disabled meanwhile gets no further
   * event (checked before each one, through the users cache: at once on this
   * process, READ_CACHE_SYNC_MS on the others), and the stream ends at the
   * next event or heartbeat.
   */
  @Get('stream')
  @Access.authenticated()
  async stream(@CurrentActor() actor: Actor, @Req() request: Request, @Res() response: Response): Promise<void> {
    const canSee = await this.streams.viewer(actor);
    // Gone while access was checked: nothing to open (a close that already fired would never clean up).
    if (request.destroyed || response.destroyed) return;
    const release = this.streams.admit(actor.user!.id);
    response.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    response.flushHeaders();
    let closed = false;
    let unsubscribe = () => undefined as void;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      release();
      clearInterval(heartbeat);
      clearTimeout(end);
      if (!response.writableEnded) response.end();
    };
    /** Writes unless the stream is over; a reader that lets more than MAX_BUFFERED pile up is ended (it resumes with Last-Event-ID). */
    const write = (text: string) => {
      if (closed || response.writableEnded) return;
      response.write(text);
      if (response.writableLength > MAX_BUFFERED) close();
    };
    const userId = actor.user!.id;
    const heartbeat = setInterval(() => {
      this.users.stillEnabled(userId).then(
        (enabled) => (enabled ? write(': keep-alive\n\n') : close()),
        () => write(': keep-alive\n\n'),
      );
    }, HEARTBEAT_MS);
    const end = setTimeout(close, this.config.liveEvents.streamMaxSeconds * 1_000);
    request.on('close', close);
    response.on('close', close);

    // Events published before the stream opens are queued, and sent in order after those missed.
    const queue: LiveEventRecord[] = [];
    let ready = false;
    let chain = Promise.resolve();
    // The missed events the resume sent: the poller, looking back as far, may hand them over again.
    const resent = new Set<string>();
    const send = (event: LiveEventRecord) => {
      if (resent.has(event.id) || closed) return;
      chain = chain
        .then(async () => {
          if (closed) return;
          if (!(await this.users.stillEnabled(userId))) return close();
          if (await canSee(event)) write(`id: ${event.id}\ndata: ${JSON.stringify(toLiveEvent(event))}\n\n`);
        })
        .catch((error: unknown) => {
          // A lookup failed (the database is away): end this stream; the browser comes back and resumes.
          this.logger.warn({ err: error }, 'a live event stream ended on a failed lookup');
          close();
        });
    };
    // A fresh stream starts now: the poller's look-back must not show it what happened before it opened
    // (the page read that state already). A resumed stream gets what it missed from the resume below.
    const lastEventId = request.headers['last-event-id'];
    const resuming = typeof lastEventId === 'string' && /^[0-9a-f]{24}$/i.test(lastEventId);
    const openedAt = this.clock.now().getTime();
    unsubscribe = this.events.subscribe((event) => {
      if (!resuming && event.at.getTime() < openedAt) return;
      if (ready) send(event);
      else queue.push(event);
    });
    // Tell the browser to come back quickly when the stream ends, then resume what it missed.
    write(`retry: 1000\n\n`);
    try {
      const missed = resuming ? await this.events.since(lastEventId) : [];
      for (const event of missed) {
        send(event);
        resent.add(event.id);
      }
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'the missed live events could not be read');
      close();
      return;
    }
    for (const event of queue) send(event);
    ready = true;
  }
}
