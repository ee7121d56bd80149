import type { Me } from '@tessera/contracts';

/**
 * Signed in, but not a platform admin: the console says so plainly. This is
 * only the console being polite; the API refuses every operator route to
 * such a user whatever the console does.
 */
export default defineNuxtRouteMiddleware(async (to) => {
  if (['/login', '/signed-out', '/session-expired', '/account-disabled', '/not-allowed'].includes(to.path)) return;
  const { loggedIn } = useOidcAuth();
  if (!loggedIn.value) return;
  const me = await useRequestFetch()<Me>('/api/users/me').catch(() => null);
  if (!me?.platformAdmin) return navigateTo('/not-allowed');
});
