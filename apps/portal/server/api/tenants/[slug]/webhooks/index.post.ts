import type { CreatedWebhookEndpoint } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<CreatedWebhookEndpoint>(event, `/tenants/${param(event, 'slug')}/webhooks`, { method: 'POST', body: await readBody<Record<string, unknown>>(event) }),
);
