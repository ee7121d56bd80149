/**
 * The workspace's log, followed (GET /tenants/:slug/workspace/logs/stream),
 * relayed as it comes: the last `tail` lines, then each new one. Last-Event-ID
 * passes through, so a resumed stream carries on after the last line seen.
 */
export default defineEventHandler((event) => {
  const tail = Number(getQuery(event).tail ?? 100);
  return streamApi(event, `/tenants/${param(event, 'slug')}/workspace/logs/stream`, { tail: String(Number.isInteger(tail) && tail >= 0 ? tail : 100) });
});
