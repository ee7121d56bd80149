import type { WebhookEndpoint } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<WebhookEndpoint[]>(event, `/tenants/${param(event, 'slug')}/webhooks`));
