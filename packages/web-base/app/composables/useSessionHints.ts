/**
 * Two small cookies per app (named after it, so apps on one host keep apart):
 * `<app>-signed-in`, set while signed in and cleared on signing out, tells an
 * expired session from a visitor who never signed in; `<app>-next` keeps
 * where the user was headed across the sign-in round trip.
 */
export function useSessionHints() {
  const app = useAppConfig().tessera.app;
  const signedIn = useCookie<string | null>(`${app}-signed-in`, { sameSite: 'lax', maxAge: 30 * 24 * 3600 });
  const next = useCookie<string | null>(`${app}-next`, { sameSite: 'lax', maxAge: 600 });
  const { logout } = useOidcAuth();

  /** Signs out on purpose: the next visit without a session is a sign-in, not an expiry. */
  function signOut(): void {
    signedIn.value = null;
    void logout();
  }

  /** Back from signing in: the path the user was headed to (on this site only), once; null when none. */
  function takeReturnPath(): string | null {
    const target = next.value;
    next.value = null;
    const path = returnPathOf(target);
    return path === '/' ? null : path;
  }

  return { signedIn, next, signOut, takeReturnPath };
}
