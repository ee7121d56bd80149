import type { ErrorBody } from '@tessera/contracts';
import { createError, getRouterParam, type H3Event } from 'h3';
import { FetchError } from 'ofetch';
import { decryptToken } from 'nuxt-oidc-auth/runtime/server/utils/security.js';
import { getUserSession, getUserSessionId } from 'nuxt-oidc-auth/runtime/server/utils/session.js';

interface StoredSession {
  accessToken?: Parameters<typeof decryptToken>[0];
}

/**
 * The signed-in user's access token. It lives encrypted in the server-side
 * session store and never reaches the browser. Reading the session first
 * checks its expiry and refreshes the tokens when they are due; without a
 * session this answers 401.
 */
export async function accessTokenOf(event: H3Event): Promise<string> {
  await getUserSession(event);
  const stored = await useStorage('oidc').getItem<StoredSession>(await getUserSessionId(event));
  if (!stored?.accessToken) throw createError({ statusCode: 401, statusMessage: 'UNAUTHENTICATED', message: 'Your session has ended' });
  return decryptToken(stored.accessToken, process.env.NUXT_OIDC_TOKEN_KEY as string);
}

/**
 * Calls platform-api as the signed-in user. The API decides who may do what;
 * its errors come back with their status, code and message (apiError).
 */
export async function callApi<T>(event: H3Event, path: string, options: { method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; body?: unknown; query?: Record<string, unknown> } = {}): Promise<T> {
  const token = await accessTokenOf(event);
  try {
    const answer: unknown = await $fetch(path, {
      baseURL: useRuntimeConfig(event).apiUrl,
      method: options.method ?? 'GET',
      body: options.body as BodyInit | Record<string, unknown> | undefined,
      query: options.query,
      headers: { authorization: `Bearer ${token}` },
    });
    return answer as T;
  } catch (error: unknown) {
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
