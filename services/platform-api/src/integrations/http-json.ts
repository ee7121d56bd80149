/**
 * One JSON call to an integration's HTTP API with a bearer token and a time
 * limit. A network failure or time-out throws; any HTTP status is answered.
 */
export async function jsonRequest(url: string, options: { method: string; token: string; body?: unknown; timeoutMs: number }): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error: unknown) {
    const { name, cause } = (error ?? {}) as { name?: string; cause?: { code?: string } };
    if (name === 'TimeoutError') throw new Error(`${new URL(url).host} did not answer within ${options.timeoutMs} ms`, { cause: error });
    throw new Error(`${new URL(url).host} could not be reached (${cause?.code ?? name ?? 'error'})`, { cause: error });
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}
