import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ChangeFeed, type Change } from '../common/change-feed';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { LiveEventRecord } from './live-event.schema';
import { LiveEventsRepository } from './live-events.repository';

/**
 * How far back each poll looks again. Event ids come from several processes,
 * so one stored a moment late may sort before one already seen: looking back
 * this far finds it, and the ids seen lately keep it from being sent twice.
 */
const OVERLAP_MS = 2_000;
const MAX_PER_POLL = 500;
/** A poll reads at most this many pages; the rest waits for the next poll (the cursor has moved past what was read). */
const MAX_PAGES_PER_POLL = 20;

export type LiveEventListener = (event: LiveEventRecord) => void;

/**
 * The live event stream's source: the database. Features publish changes
 * (the ChangeFeed port); every API process polls the `live_events`
 * collection while it has listeners and hands new events to them. So a
 * browser connected to any process sees a change made through any other
 * (within one poll); a change made by this process reaches its own streams
 * as soon as it is stored.
 * Why the database and not a broker: it is already there and shared by
 * every process, and FerretDB and MongoDB both serve the one indexed query
 * a poll makes; a broker would be one more system to run for the same job.
 */
@Injectable()
export class LiveEvents extends ChangeFeed implements OnApplicationShutdown {
  private readonly logger = new Logger(LiveEvents.name);
  private readonly listeners = new Set<LiveEventListener>();
  /** Ids delivered lately, with their time: what the overlap must not send again. */
  private readonly recent = new Map<string, number>();
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private lastCleanup = 0;

  constructor(
    private readonly events: LiveEventsRepository,
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  async publish(change: Change): Promise<void> {
    try {
      const tenant = await this.tenants.findById(change.tenantId);
      if (!tenant) return;
      const stored = await this.events.append({
        at: this.clock.now(),
        type: change.type,
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        change: change.change,
        state: change.state ?? null,
        key: change.key ?? randomBytes(12).toString('hex'),
      });
      // This process's own streams get it at once; other processes find it on their next poll, which skips it here.
      if (stored) this.deliver(stored);
    } catch (error: unknown) {
      this.logger.warn({ err: error, tenant: change.tenantId, change: change.change }, 'a live event was not stored');
    }
  }

  /** Hands every new event to `listener` until the returned function is called. */
  subscribe(listener: LiveEventListener): () => void {
    if (this.listeners.size === 0) this.start();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /**
   * The events a client that last saw `lastEventId` may have missed: those
   * from a little before it on (the client drops ids it has seen). Nothing
   * when the id is unknown (too old, or never ours): the client reads the
   * pages again on every connect anyway.
   */
  async since(lastEventId: string): Promise<LiveEventRecord[]> {
    const last = await this.events.findById(lastEventId);
    if (!last) return [];
    return (await this.events.since(new Date(last.at.getTime() - OVERLAP_MS), MAX_PER_POLL)).filter((event) => event.id !== last.id);
  }

  /** One poll now, for tests and for the first subscriber. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = null));
    return this.polling;
  }

  onApplicationShutdown(): void {
    this.stop();
    this.listeners.clear();
  }

  private start(): void {
    this.cursor = this.clock.now().getTime();
    this.timer = setInterval(() => void this.poll(), this.config.liveEvents.pollMs);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async pollOnce(): Promise<void> {
    try {
      // Page on while pages are full: a burst of more than a page within the overlap must not hold the cursor for good.
      let page = await this.events.since(new Date(this.cursor - OVERLAP_MS), MAX_PER_POLL);
      for (let pages = 1; ; pages += 1) {
        for (const event of page) {
          this.cursor = Math.max(this.cursor, event.at.getTime());
          this.deliver(event);
        }
        const last = page.at(-1);
        if (page.length < MAX_PER_POLL || !last || pages >= MAX_PAGES_PER_POLL) break;
        page = await this.events.after(last.at, last.id, MAX_PER_POLL);
      }
      for (const [id, at] of this.recent) if (at < this.cursor - 2 * OVERLAP_MS) this.recent.delete(id);
      await this.cleanUp();
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'live events poll failed');
    }
  }

  /** Hands an event to every listener, once: an id delivered lately is not delivered again. */
  private deliver(event: LiveEventRecord): void {
    if (this.listeners.size === 0 || this.recent.has(event.id)) return;
    this.recent.set(event.id, event.at.getTime());
    for (const listener of this.listeners) listener(event);
  }

  /** At most once an hour: events older than the retention go. */
  private async cleanUp(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastCleanup < 3_600_000) return;
    this.lastCleanup = now;
    await this.events.removeOlderThan(new Date(now - this.config.liveEvents.retentionHours * 3_600_000));
  }
}
