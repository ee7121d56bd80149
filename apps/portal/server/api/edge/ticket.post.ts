/** A one-time link into a workspace for the signed-in user (see docs/edge.md): the API checks the address is a workspace's. */
export default defineEventHandler(async (event) => {
  const body = await readBody<{ returnUrl?: unknown }>(event);
  return callApi<{ redirect: string }>(event, '/edge/tickets', { method: 'POST', body: { returnUrl: typeof body?.returnUrl === 'string' ? body.returnUrl : '' } });
});
