import type { ErrorBody } from '@tessera/contracts';
import { createError, getCookie, getHeader, getRouterParam, sendStream, setResponseHeaders, type H3Event } from 'h3';
import { FetchError } from 'ofetch';
import { decryptToken } from 'nuxt-oidc-auth/runtime/server/utils/security.js';
import { getUserSession, getUserSessionId } from 'nuxt-oidc-auth/runtime/server/utils/session.js';

interface StoredSession {
  accessToken?: Parameters<typeof decryptToken>[0];
}

/** How long a session's token is reused without unsealing the session again; a sign-out drops it at once. */
const TOKEN_REUSE_MS = 30_000;
const tokens = new Map<string, { token: string; reuseUntil: number }>();
/** Lookups under way, by session: the calls of one page share one session check (and one renewal). */
const lookups = new Map<string, Promise<string>>();

/**
 * The signed-in user's access token. It lives encrypted in the server-side
 * session store and never reaches the browser. Reading the session checks its
 * expiry and refreshes the tokens when they are due; without a session this
 * answers 401. Unsealing the session and decrypting the token are most of
 * what a BFF call costs (docs/benchmarks.md), so the token is kept in memory
 * for the sealed cookie it came with, for at most 30 s and never past its
 * own expiry; signing out forgets it (server/plugins/session-hooks.ts).
 */
export async function accessTokenOf(event: H3Event): Promise<string> {
  const key = sessionKey(event);
  const known = key ? tokens.get(key) : undefined;
  if (known && known.reuseUntil > Date.now()) return known.token;
  if (!key) return lookUp(event);
  const pending = lookups.get(key) ?? lookUp(event).finally(() => lookups.delete(key));
  lookups.set(key, pending);
  return pending;
}

async function lookUp(event: H3Event): Promise<string> {
  const key = sessionKey(event);
  await getUserSession(event);
  const stored = await useStorage('oidc').getItem<StoredSession>(await getUserSessionId(event));
  if (!stored?.accessToken) throw createError({ statusCode: 401, statusMessage: 'UNAUTHENTICATED', message: 'Your session has ended' });
  const token = await decryptToken(stored.accessToken, process.env.NUXT_OIDC_TOKEN_KEY as string);
  // The cookie may have been renewed by the check: key the token by the one the browser will send next.
  const renewed = sessionKey(event, true) ?? key;
  if (renewed) remember(renewed, token);
  return token;
}

/** Forgets the token kept for this request's session (sign-out, a 401 from the API). */
export function forgetToken(event: H3Event): void {
  const key = sessionKey(event);
  if (key) tokens.delete(key);
}

function remember(key: string, token: string): void {
  const exp = expiryOf(token);
  // Never past the point where the session check would renew the token.
  const margin = Number(useRuntimeConfig().oidc.providers.oidc?.sessionConfiguration?.expirationThreshold ?? 0);
  const reuseUntil = Math.min(Date.now() + TOKEN_REUSE_MS, exp ? (exp - margin) * 1000 : 0);
  if (reuseUntil <= Date.now()) return;
  if (tokens.size >= 10_000) tokens.delete(tokens.keys().next().value as string);
  tokens.set(key, { token, reuseUntil });
}

/** The sealed session cookie as sent (or, with `outgoing`, as just set on the answer). */
function sessionKey(event: H3Event, outgoing = false): string | undefined {
  const SESSION_COOKIE = sessionCookieName();
  if (outgoing) {
    const set = event.node.res.getHeader('set-cookie');
    const line = (Array.isArray(set) ? set : set ? [String(set)] : []).find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
    return line ? decodeURIComponent(line.slice(SESSION_COOKIE.length + 1).split(';')[0] ?? '') || undefined : undefined;
  }
  return getCookie(event, SESSION_COOKIE) || undefined;
}

/** The sealed session cookie's name: each app names its own (oidc.session.cookieName). */
function sessionCookieName(): string {
  return (useRuntimeConfig().oidc.session as { cookieName?: string }).cookieName || 'nuxt-oidc-auth';
}

function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls platform-api as the signed-in user. The API decides who may do what;
 * its errors come back with their status, code and message (apiError).
 */
export async function callApi<T>(event: H3Event, path: string, options: { method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; body?: unknown; query?: Record<string, unknown> } = {}): Promise<T> {
  const token = await accessTokenOf(event);
  try {
    const answer: unknown = await $fetch(path, {
      baseURL: useRuntimeConfig().apiUrl,
      method: options.method ?? 'GET',
      body: options.body as BodyInit | Record<string, unknown> | undefined,
      query: options.query,
      headers: { authorization: `Bearer ${token}` },
    });
    return answer as T;
  } catch (error: unknown) {
    // The API no longer takes this token: do not offer it again.
    if (error instanceof FetchError && error.response?.status === 401) forgetToken(event);
    throw apiError(error);
  }
}

/** The one error helper: an API answer keeps its status, code, message and field errors; no answer is a 502. */
export function apiError(error: unknown) {
  if (error instanceof FetchError && error.response) {
    const body = error.data as Partial<ErrorBody> | undefined;
    return createError({
      statusCode: error.response.status,
      statusMessage: body?.code ?? error.response.statusText,
      message: body?.message ?? error.message,
      data: body,
    });
  }
  return createError({ statusCode: 502, statusMessage: 'UNAVAILABLE', message: 'platform-api could not be reached' });
}

/** A route parameter, encoded for the API's path: a slug or id can never add a path segment. */
export function param(event: H3Event, name: string): string {
  const value = getRouterParam(event, name, { decode: true });
  if (!value) throw createError({ statusCode: 400, statusMessage: 'VALIDATION_FAILED', message: `${name} is required` });
  return encodeURIComponent(value);
}

/**
 * Relays a streaming API answer (server-sent events: live status, logs) as the
 * signed-in user. Bytes pass through as they come, never gathered in memory;
 * the API's stream is closed as soon as the browser goes away. A browser's
 * EventSource resumes with Last-Event-ID, which is passed on.
 */
export async function streamApi(event: H3Event, path: string, query: Record<string, string> = {}) {
  // Listen before any wait: a browser that leaves while the session is read must not leave an API stream open.
  const abort = new AbortController();
  event.node.req.once('close', () => abort.abort());
  const token = await accessTokenOf(event);
  if (event.node.req.destroyed) abort.abort();
  const url = new URL(path, useRuntimeConfig().apiUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const lastEventId = getHeader(event, 'last-event-id');
  let answer: Response;
  try {
    answer = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal: abort.signal,
    });
  } catch {
    throw createError({ statusCode: 502, statusMessage: 'UNAVAILABLE', message: 'platform-api could not be reached' });
  }
  if (!answer.ok || !answer.body) {
    if (answer.status === 401) forgetToken(event);
    const body = (await answer.json().catch(() => undefined)) as Partial<ErrorBody> | undefined;
    throw createError({ statusCode: answer.status, statusMessage: body?.code ?? answer.statusText, message: body?.message ?? 'The stream could not be opened', data: body });
  }
  setResponseHeaders(event, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
  // When the API's side breaks mid-stream (a restart), end the browser's too, so its EventSource reconnects and resumes.
  return sendStream(event, answer.body)
    .catch(() => undefined)
    .finally(() => {
      abort.abort();
      if (!event.node.res.writableEnded) event.node.res.end();
    });
}
