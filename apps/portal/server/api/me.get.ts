import type { Me } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<Me>(event, '/users/me'));
