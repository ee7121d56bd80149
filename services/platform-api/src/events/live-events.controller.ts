import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { AppConfig } from '../config/app-config';
import type { LiveEventRecord } from './live-event.schema';
import { LiveEvents } from './live-events.service';
import { LiveStreamService, toLiveEvent } from './live-stream.service';

const HEARTBEAT_MS = 15_000;

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class LiveEventsController {
  constructor(
    private readonly events: LiveEvents,
    private readonly streams: LiveStreamService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Server-sent events: every change to a tenant the caller may see, as it
   * happens. `Last-Event-ID` resumes after an event. A stream ends after
   * LIVE_STREAM_MAX_SECONDS; the browser reconnects at once, resuming, and
   * its access is checked again, so a person whose access ended stops seeing
   * events within that time.
   */
  @Get('stream')
  @Access.authenticated()
  async stream(@CurrentActor() actor: Actor, @Req() request: Request, @Res() response: Response): Promise<void> {
    const canSee = await this.streams.viewer(actor);
    response.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    response.flushHeaders();
    // Events published before the stream opens are queued, and sent in order after those missed.
    const queue: LiveEventRecord[] = [];
    let ready = false;
    let chain = Promise.resolve();
    // The missed events the resume sent: the poller, looking back as far, may hand them over again.
    const resent = new Set<string>();
    const send = (event: LiveEventRecord) => {
      if (resent.has(event.id)) return;
      chain = chain.then(async () => {
        if (!response.writableEnded && (await canSee(event))) response.write(`id: ${event.id}\ndata: ${JSON.stringify(toLiveEvent(event))}\n\n`);
      });
    };
    const unsubscribe = this.events.subscribe((event) => (ready ? send(event) : queue.push(event)));
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = setTimeout(() => response.end(), this.config.liveEvents.streamMaxSeconds * 1_000);
    const close = () => {
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(end);
    };
    request.on('close', close);
    response.on('close', close);
    // Tell the browser to come back quickly when the stream ends, then resume what it missed.
    response.write(`retry: 1000\n\n`);
    const lastEventId = request.headers['last-event-id'];
    const missed = typeof lastEventId === 'string' && /^[0-9a-f]{24}$/i.test(lastEventId) ? await this.events.since(lastEventId) : [];
    for (const event of missed) {
      send(event);
      resent.add(event.id);
    }
    for (const event of queue) send(event);
    ready = true;
  }
}
