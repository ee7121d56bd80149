import { sessionHooks } from 'nuxt-oidc-auth/runtime/server/utils/session.js';

/** Signing out (or a session cleared as expired) forgets the access token the BFF kept for it. */
export default defineNitroPlugin(() => {
  sessionHooks.hook('clear', (event) => forgetToken(event));
});
