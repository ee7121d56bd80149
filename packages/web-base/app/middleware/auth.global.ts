/** Pages a signed-out visitor may see; everything else needs a session. */
const PUBLIC = new Set(['/login', '/signed-out', '/session-expired', '/account-disabled']);

/**
 * Every page but the public ones needs a live session. A visitor who was
 * signed in (the `<app>-signed-in` hint, cleared on signing out) and
 * lost the session — the tokens could not be renewed — sees the
 * session-expired page; anyone else goes to sign in.
 */
export default defineNuxtRouteMiddleware(async (to) => {
  if (PUBLIC.has(to.path)) return;
  const { loggedIn, fetch } = useOidcAuth();
  const { signedIn } = useSessionHints();
  // In the browser, each navigation checks the session again (and renews it when due).
  if (import.meta.client || !loggedIn.value) await fetch();
  if (loggedIn.value) {
    if (signedIn.value !== '1') signedIn.value = '1';
    return;
  }
  const expired = signedIn.value === '1';
  signedIn.value = null;
  return navigateTo(expired ? '/session-expired' : `/login?next=${encodeURIComponent(to.fullPath)}`);
});
