/**
 * Calls one of the app's own server routes. A 401 means the session ended:
 * the user goes to the session-expired page. Other errors are thrown as they
 * came, for `explainError` (utils/errors.ts) to put into sentences.
 */
export async function api<T>(path: string, options: { method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; body?: Record<string, unknown>; query?: Record<string, unknown> } = {}): Promise<T> {
  try {
    const answer: unknown = await $fetch(path, { method: options.method ?? 'GET', body: options.body, query: options.query });
    return answer as T;
  } catch (error: unknown) {
    const status = (error as { statusCode?: number }).statusCode;
    // An operator disabled the account: the page signs the person out and says so (not an expired session).
    if (status === 403 && explainError(error).reason === 'ACCOUNT_DISABLED') await navigateTo('/account-disabled');
    else if (status === 401) await navigateTo('/session-expired');
    throw error;
  }
}

/**
 * For the layout's first read of the signed-in person: when the API says the
 * account is disabled, go to the page that says so and ends the session (a
 * redirect when the page is rendered on the server), instead of showing the
 * page's errors one by one.
 */
export async function leaveIfDisabled(error: unknown): Promise<void> {
  if (error && explainError(error).reason === 'ACCOUNT_DISABLED') await navigateTo('/account-disabled');
}

/** A failed call as one sentence for people (utils/errors.ts holds the map). */
export function messageOf(error: unknown): string {
  return explainError(error).message;
}
