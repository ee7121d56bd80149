import type { Page, WebhookDelivery } from '@tessera/contracts';

export default defineEventHandler((event) =>
  callApi<Page<WebhookDelivery>>(event, `/tenants/${param(event, 'slug')}/webhooks/${param(event, 'id')}/deliveries`, { query: getQuery(event) }),
);
