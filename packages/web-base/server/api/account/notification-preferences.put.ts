import type { NotificationPreferences } from '@tessera/contracts';

export default defineEventHandler(async (event) =>
  callApi<NotificationPreferences>(event, '/users/me/notification-preferences', { method: 'PUT', body: await readBody<{ items: unknown }>(event) }),
);
