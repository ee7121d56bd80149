/** Pages a signed-out visitor may see; everything else needs a session. */
const PUBLIC = new Set(['/login', '/signed-out', '/session-expired', '/account-disabled']);

export default defineNuxtRouteMiddleware(async (to) => {
  if (PUBLIC.has(to.path)) return;
  const { loggedIn, fetch } = useOidcAuth();
  if (!loggedIn.value) await fetch();
  if (!loggedIn.value) return navigateTo(`/login?next=${encodeURIComponent(to.fullPath)}`);
});
