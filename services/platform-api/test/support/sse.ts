import type { LiveEvent } from '@tessera/contracts';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { TestApp } from './app';

/** The status a stream answers with (read from its headers; the stream itself is dropped at once). */
export async function streamStatus(app: TestApp, path: string, token?: string): Promise<{ status: number }> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(`${await app.app.getUrl()}${path}`, { headers, signal: abort.signal });
  abort.abort();
  return { status: response.status };
}

/** One server-sent event as it arrived: its id and its data, parsed. */
export interface ReceivedEvent {
  id: string;
  data: LiveEvent;
}

/**
 * A real client of GET /events/stream: it reads the stream over HTTP as a
 * browser's EventSource does, and lets a test wait for the event it expects.
 */
export class EventStreamClient {
  readonly received: ReceivedEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private ended = false;

  private constructor(private readonly abort: AbortController) {}

  /** Opens the stream as the holder of `token`, resuming after `lastEventId` when given. */
  static async open(app: TestApp, token: string, lastEventId?: string): Promise<EventStreamClient> {
    const abort = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const response = await fetch(`${await app.app.getUrl()}/events/stream`, { headers, signal: abort.signal });
    if (response.status !== 200 || !response.body) throw new Error(`the stream answered ${response.status}: ${await response.text()}`);
    const client = new EventStreamClient(abort);
    void client.read(response.body);
    return client;
  }

  /** Resolves with the first event (seen already or still to come) that `matches`. */
  async next(what: string, matches: (event: LiveEvent) => boolean, timeoutMs = 10_000): Promise<ReceivedEvent> {
    return (await this.several(what, matches, 1, timeoutMs))[0]!;
  }

  /** Resolves with the first `count` events (seen already or still to come) that `match`. */
  async several(what: string, match: (event: LiveEvent) => boolean, count: number, timeoutMs = 10_000): Promise<ReceivedEvent[]> {
    const found = () => this.received.filter((event) => match(event.data));
    return new Promise((resolve, reject) => {
      const check = () => {
        const events = found();
        if (events.length >= count) finish(() => resolve(events.slice(0, count)));
        else if (this.ended) finish(() => reject(new Error(`the stream ended before ${what}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no event for ${what} within ${timeoutMs} ms; received ${JSON.stringify(this.received.map((event) => event.data))}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.abort.abort();
  }

  /** The server ended the stream (or the connection broke). */
  get hasEnded(): boolean {
    return this.ended;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.take(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Closed by the test.
    }
    this.ended = true;
    for (const waiter of [...this.waiters]) waiter();
  }

  private take(block: string): void {
    let id = '';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    this.received.push({ id, data: JSON.parse(data) as LiveEvent });
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** One server-sent event of any stream, as it arrived (data unparsed). */
export interface RawEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A client of any server-sent-events route (the live event stream has its
 * own, above), over a plain HTTP request: it keeps every event and comment
 * it received, can stop reading (`pause`: the sockets' buffers fill and the
 * server must wait, as behind a slow network) and can go away (`close`).
 */
export class EventStreamReader {
  readonly events: RawEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  contentType = '';
  /** The server ended the stream (or the connection broke). */
  ended = false;
  private buffer = '';
  private response: IncomingMessage | null = null;

  private constructor(private readonly request: ClientRequest) {}

  /** Opens `path` on the app with the given headers; resolves once the answer's headers arrived. */
  static async open(app: TestApp, path: string, headers: Record<string, string>): Promise<EventStreamReader> {
    const url = `${await app.app.getUrl()}${path}`;
    return new Promise((resolve, reject) => {
      const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
      const reader = new EventStreamReader(request);
      request.on('response', (response) => {
        reader.response = response;
        reader.status = response.statusCode ?? 0;
        reader.contentType = String(response.headers['content-type'] ?? '');
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => reader.take(chunk));
        response.on('end', () => (reader.ended = true));
        response.on('error', () => (reader.ended = true));
        resolve(reader);
      });
      request.on('error', reject);
      request.end();
    });
  }

  /** The data of the events without a name (`event:` line), parsed as JSON, in order. */
  data<T>(): T[] {
    return this.events.filter((event) => !event.event).map((event) => JSON.parse(event.data) as T);
  }

  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  close(): void {
    this.request.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: RawEvent = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ ...event, data: data.join('\n') });
    }
  }
}
