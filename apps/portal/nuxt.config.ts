// The portal for customers and partners. Sign-in, the BFF's API call and the
// session pages come from the shared layer (packages/web-base). Every setting
// can be overridden at run time by its NUXT_* variable (listed in .env.example).
const idp = process.env.PORTAL_OIDC_ISSUER ?? 'http://localhost:9000/application/o/portal/';

export default defineNuxtConfig({
  extends: ['../../packages/web-base'],
  runtimeConfig: {
    public: {
      /** Workspaces live at https://<slug>.<baseDomain>/ (NUXT_PUBLIC_BASE_DOMAIN). */
      baseDomain: 'localhost',
      /** How the browser reaches the edge: https on 443 in production; scripts/dev.sh sets http and Traefik's local port. */
      workspaceScheme: 'https',
      workspacePort: '',
      /** Whom a customer sold directly contacts about billing (NUXT_PUBLIC_SUPPORT_CONTACT): a URL or mailto:. */
      supportContact: 'mailto:support@localhost',
    },
  },
  oidc: {
    providers: {
      oidc: {
        clientId: 'tessera-portal',
        authorizationUrl: `${idp}authorize/`,
        tokenUrl: `${idp}token/`,
        logoutUrl: `${idp}end-session/`,
        redirectUri: 'http://localhost:3001/auth/oidc/callback',
        logoutRedirectUri: 'http://localhost:3001/signed-out',
        // Names the client at the end-session endpoint, so the provider returns to logoutRedirectUri
        // (an id_token_hint would need the ID token in the browser's session).
        additionalLogoutParameters: { clientId: 'tessera-portal' },
      },
    },
    // Its own cookie name: the operator console may run on the same host.
    session: { cookieName: 'tessera-portal-session' },
  },
});
