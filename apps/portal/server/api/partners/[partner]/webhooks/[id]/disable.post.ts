import type { WebhookEndpoint } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<WebhookEndpoint>(event, `/partners/${param(event, 'partner')}/webhooks/${param(event, 'id')}/disable`, { method: 'POST' }));
