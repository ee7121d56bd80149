import type { CreatedWebhookEndpoint } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<CreatedWebhookEndpoint>(event, `/partners/${param(event, 'partner')}/webhooks`, { method: 'POST', body: await readBody<Record<string, unknown>>(event) }),
);
