import type { RestoreOutcome } from '@tessera/contracts';

/** Replaces the workspace's data with a backup's (owners): the confirmation and the optional reason are passed on as they came. */
export default defineEventHandler(async (event) => {
  const body = ((await readBody(event).catch(() => undefined)) ?? {}) as { replaceCurrentData?: unknown; reason?: unknown };
  return callApi<RestoreOutcome>(event, `/tenants/${param(event, 'slug')}/backups/${param(event, 'id')}/restore`, {
    method: 'POST',
    body: { replaceCurrentData: body.replaceCurrentData, ...(typeof body.reason === 'string' && body.reason ? { reason: body.reason } : {}) },
  });
});
