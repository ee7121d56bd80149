import type { Me } from '@tessera/contracts';

/** The signed-in user as the API knows them, with their tenants and partners; fetched once per request. */
export function useMe() {
  return useFetch<Me>('/api/me', { key: 'me', dedupe: 'defer' });
}
