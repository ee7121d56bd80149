/**
 * Calls one of the portal's own server routes. A 401 means the session ended:
 * the user goes to the session-expired page. Other errors are thrown with the
 * API's message for the page to show.
 */
export async function api<T>(path: string, options: { method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; body?: Record<string, unknown>; query?: Record<string, unknown> } = {}): Promise<T> {
  try {
    const answer: unknown = await $fetch(path, { method: options.method ?? 'GET', body: options.body, query: options.query });
    return answer as T;
  } catch (error: unknown) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 401) await navigateTo('/session-expired');
    throw new Error(messageOf(error), { cause: error });
  }
}

/** The API's own message for a failed call, with the failing fields when it names them. */
export function messageOf(error: unknown): string {
  const data = (error as { data?: { message?: string; data?: { fields?: Record<string, string[]> } } }).data;
  const fields = data?.data?.fields;
  if (fields) return Object.values(fields).flat().join('; ');
  return data?.message ?? (error instanceof Error ? error.message : 'Something went wrong');
}
