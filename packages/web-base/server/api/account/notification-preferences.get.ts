import type { NotificationPreferences } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<NotificationPreferences>(event, '/users/me/notification-preferences'));
