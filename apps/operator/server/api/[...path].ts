import type { H3Event } from 'h3';

/**
 * The console's one server route: it forwards a call to platform-api with the
 * operator's token, under the API paths the console uses. The console adds no
 * rule of its own: the API decides, and refuses anyone who is not a platform
 * admin even with an operator-audience token.
 */
const FORWARDED = /^(users\/me|tenants|partners|flags|audit|approvals|reconcile|nodes|system\/(health|overview|settings|plans))(\/|$)/;
const LOG_STREAM = /^tenants\/[^/]+\/workspace\/logs\/stream$/;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

export default defineEventHandler(async (event: H3Event) => {
  const raw = getRouterParam(event, 'path') ?? '';
  // The live event stream (the same /api/events as the portal's) is relayed as it comes, never gathered.
  if (raw === 'events' && event.method === 'GET') return streamApi(event, '/events/stream');
  const path = raw.split('/').map((part) => encodeURIComponent(decodeURIComponent(part))).join('/');
  if (!FORWARDED.test(path) || !METHODS.has(event.method)) throw createError({ statusCode: 404, statusMessage: 'NOT_FOUND', message: `No console route /api/${path}` });
  // A workspace's followed log (the portal's path too) is relayed as it comes, never gathered.
  if (LOG_STREAM.test(path) && event.method === 'GET') {
    const tail = Number(getQuery(event).tail ?? 100);
    return streamApi(event, `/${path}`, { tail: String(Number.isInteger(tail) && tail >= 0 ? tail : 100) });
  }
  const method = event.method as 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  const body = method === 'GET' ? undefined : ((await readBody(event).catch(() => undefined)) ?? {});
  return callApi<unknown>(event, `/${path}`, { method, body, query: getQuery(event) });
});
