/** Pages a signed-out visitor may see; everything else needs a session. */
const PUBLIC = new Set(['/login', '/signed-out', '/session-expired', '/account-disabled']);

/**
 * Every page but the public ones needs a live session. A visitor who was
 * signed in (the `<app>-signed-in` hint, cleared on signing out) and
 * lost the session — the tokens could not be renewed — sees the
 * session-expired page; anyone else goes to sign in.
 *
 * Back from signing in, the sign-in callback always lands on `/` (nuxt-oidc-auth
 * reads its own `callbackRedirectUrl` after clearing the session that holds it),
 * so the page the user asked for is kept in the `<app>-next` hint by the sign-in
 * page and taken here, once, for every app.
 */
export default defineNuxtRouteMiddleware(async (to) => {
  if (PUBLIC.has(to.path)) return;
  const { loggedIn, fetch } = useOidcAuth();
  const { signedIn, takeReturnPath } = useSessionHints();
  // In the browser, each navigation checks the session again (and renews it when due).
  if (import.meta.client || !loggedIn.value) await fetch();
  if (loggedIn.value) {
    if (signedIn.value !== '1') signedIn.value = '1';
    const returnPath = to.path === '/' ? takeReturnPath() : null;
    if (returnPath) return navigateTo(returnPath);
    return;
  }
  const expired = signedIn.value === '1';
  signedIn.value = null;
  return navigateTo(expired ? '/session-expired' : `/login?next=${encodeURIComponent(to.fullPath)}`);
});
