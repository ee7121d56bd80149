import type { Page, WebhookDelivery } from '@tessera/contracts';

export default defineEventHandler((event) =>
  callApi<Page<WebhookDelivery>>(event, `/partners/${param(event, 'partner')}/webhooks/${param(event, 'id')}/deliveries`, { query: getQuery(event) }),
);
