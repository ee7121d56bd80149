import type { LiveEvent } from '@tessera/contracts';

/**
 * The live event stream, one per browser tab: a single EventSource on the
 * app's `/api/events` (the BFF relays the API's GET /events/stream), shared by
 * every component that listens. Pages never poll; they read again what an
 * event names.
 *
 * Reconnects lose nothing: the browser's EventSource sends the last event's id
 * as Last-Event-ID when it reconnects, and the API resends what came after it.
 * An event seen twice (a resend racing a live one) is handled once. When the
 * stream opens (the first time, after a sign-in renewal or a long outage), and
 * when a page starts listening after an event it may not have read, listeners
 * get a `resync` so they read everything again once.
 */
export type LiveListener = (event: LiveEvent | { type: 'resync' }) => void;

const listeners = new Set<LiveListener>();
const seen: string[] = [];
const seenSet = new Set<string>();
let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
/** Events handed to listeners in this tab so far: a page that read its data before it listened knows whether it missed some. */
let delivered = 0;
const connection = ref<'connecting' | 'live' | 'offline'>('connecting');

function remember(id: string): boolean {
  if (seenSet.has(id)) return false;
  seenSet.add(id);
  seen.push(id);
  if (seen.length > 500) seenSet.delete(seen.shift() as string);
  return true;
}

function emit(event: LiveEvent | { type: 'resync' }) {
  if (event.type !== 'resync') delivered += 1;
  for (const listener of [...listeners]) listener(event);
}

function open() {
  if (source || import.meta.server) return;
  connection.value = 'connecting';
  source = new EventSource('/api/events');
  source.onopen = () => {
    connection.value = 'live';
    // Opened afresh (not a browser-driven resume), or for the first time: the stream starts now, so what
    // happened since the pages read their data (a tenant provisioned in that second) is read again.
    emit({ type: 'resync' });
  };
  source.onmessage = (message) => {
    if (message.lastEventId && !remember(message.lastEventId)) return;
    try {
      emit(JSON.parse(message.data) as LiveEvent);
    } catch {
      // Not an event (a comment or heartbeat): nothing to do.
    }
  };
  source.onerror = () => {
    // CONNECTING: the browser retries by itself, with Last-Event-ID. CLOSED: the answer was an error (signed out, 5xx); try again later.
    if (source?.readyState === EventSource.CLOSED) {
      source = null;
      connection.value = 'offline';
      if (listeners.size) retryTimer = setTimeout(open, 5_000);
    } else connection.value = 'connecting';
  };
}

function closeWhenUnused() {
  if (listeners.size || !source) return;
  source.close();
  source = null;
  clearTimeout(retryTimer);
}

/**
 * Calls `listener` for every live event while the calling component is
 * mounted (the stream opens with the first listener and closes after the
 * last). Answers the connection's state, for a "live" indicator.
 */
export function useLiveEvents(listener: LiveListener) {
  // The page reads its data in setup and listens once mounted: an event in between would be lost.
  const deliveredAtSetup = delivered;
  onMounted(() => {
    listeners.add(listener);
    if (delivered > deliveredAtSetup) listener({ type: 'resync' });
    open();
  });
  onBeforeUnmount(() => {
    listeners.delete(listener);
    // A page change removes one listener and adds the next in the same tick: close only if none came.
    setTimeout(closeWhenUnused, 1_000);
  });
  return { connection: readonly(connection) };
}

/**
 * Runs `refresh` once for a burst of events (several steps of one reconcile
 * arrive together), at most every `ms`.
 */
export function coalesce(refresh: () => unknown, ms = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void refresh();
    }, ms);
  };
}

/**
 * Runs `action` once, a second after the time `when` names (a grant's end):
 * what changes by the clock, not by an event. Re-armed when `when` changes;
 * cleared when the component goes.
 */
export function useAt(when: () => string | null | undefined, action: () => unknown) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(
    when,
    (at) => {
      clearTimeout(timer);
      if (import.meta.client && at) timer = setTimeout(action, Math.max(0, Math.min(new Date(at).getTime() - Date.now() + 1_000, 2 ** 31 - 1)));
    },
    { immediate: true },
  );
  onBeforeUnmount(() => clearTimeout(timer));
}
