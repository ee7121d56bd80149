import type { CreatedWebhookEndpoint } from '@tessera/contracts';

/** A new signing secret, shown once in the answer. */
export default defineEventHandler((event) => callApi<CreatedWebhookEndpoint>(event, `/tenants/${param(event, 'slug')}/webhooks/${param(event, 'id')}/rotate-secret`, { method: 'POST' }));
