import type { LogLine } from '@tessera/contracts';

/** A line as the page keeps it: the API's line and its event id. */
export interface ShownLine extends LogLine {
  id: string;
}

export type LogStreamState = 'connecting' | 'live' | 'paused' | 'ended' | 'failed';

/** The most lines a page keeps: older ones are let go as new ones arrive. */
export const KEPT_LINES = 2_000;
const RETRY_MS = 3_000;

/**
 * A workspace's log as the API streams it (server-sent events through the
 * app's BFF), read with fetch so that a pause can close the stream and a
 * resume pick up after the last line seen (Last-Event-ID): nothing is lost
 * while paused, and nothing is held open for a paused page. A dropped
 * connection is retried the same way. The stream's own end (the workspace
 * stopped, access ended) is shown, not retried.
 */
export function useLogStream(url: () => string) {
  const lines = ref<ShownLine[]>([]);
  const state = ref<LogStreamState>('connecting');
  /** Why the stream ended, or why it could not be opened, as a sentence. */
  const reason = ref<string | null>(null);
  const error = ref<unknown>(null);
  let abort: AbortController | null = null;
  let lastId: string | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;

  async function open(fresh: boolean): Promise<void> {
    close();
    if (fresh) {
      lines.value = [];
      lastId = null;
    }
    state.value = 'connecting';
    reason.value = null;
    error.value = null;
    const controller = new AbortController();
    abort = controller;
    let response: Response;
    try {
      response = await fetch(url(), { headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }, signal: controller.signal });
    } catch {
      if (!controller.signal.aborted) retryLater();
      return;
    }
    if (response.status === 401) {
      await navigateTo('/session-expired');
      return;
    }
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => null)) as unknown;
      error.value = { statusCode: response.status, data: body };
      state.value = 'failed';
      return;
    }
    state.value = 'live';
    try {
      await read(response.body, controller);
    } catch {
      // Aborted (a pause, leaving the page) or the connection dropped: told apart below.
    }
    if (controller.signal.aborted) return;
    // Set by read() when the API ended the stream (TypeScript cannot see that).
    if ((state.value as LogStreamState) === 'ended') return;
    retryLater();
  }

  async function read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let batch: ShownLine[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done || controller.signal.aborted) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id = '';
        let event = '';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (!data) continue;
        if (event === 'end') {
          reason.value = (JSON.parse(data) as { reason?: string }).reason ?? 'The log stream ended';
          state.value = 'ended';
          continue;
        }
        batch.push({ ...(JSON.parse(data) as LogLine), id });
        lastId = id || lastId;
      }
      // One update per chunk read, however many lines it held.
      if (batch.length > 0) {
        const next = lines.value.concat(batch);
        lines.value = next.length > KEPT_LINES ? next.slice(next.length - KEPT_LINES) : next;
        batch = [];
      }
    }
  }

  function retryLater(): void {
    state.value = 'connecting';
    retry = setTimeout(() => void open(false), RETRY_MS);
  }

  function close(): void {
    clearTimeout(retry);
    abort?.abort();
    abort = null;
  }

  return {
    lines,
    state,
    reason,
    error,
    /** Opens the stream anew: the last lines, then what follows. */
    start: () => open(true),
    /** Stops reading; the API's stream is closed. */
    pause: () => {
      close();
      state.value = 'paused';
    },
    /** Reads on from the last line seen: what was printed meanwhile comes first. */
    resume: () => open(false),
    stop: close,
  };
}
