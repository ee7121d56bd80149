// The portal for customers and partners. Every setting can be overridden at
// run time by its NUXT_* variable (listed in .env.example).
const idp = process.env.PORTAL_OIDC_ISSUER ?? 'http://localhost:9000/application/o/portal/';

export default defineNuxtConfig({
  compatibilityDate: '2026-11-01',
  modules: ['nuxt-oidc-auth'],
  devtools: { enabled: false },
  telemetry: false,
  app: { head: { title: 'Tessera', meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }], link: [{ rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }] } },
  css: ['~/assets/portal.css'],
  runtimeConfig: {
    /** Where the BFF reaches platform-api (NUXT_API_URL). */
    apiUrl: 'http://127.0.0.1:3000',
    public: {
      /** Workspaces live at https://<slug>.<baseDomain>/ (NUXT_PUBLIC_BASE_DOMAIN). */
      baseDomain: 'localhost',
    },
  },
  oidc: {
    defaultProvider: 'oidc',
    providers: {
      oidc: {
        clientId: 'tessera-portal',
        clientSecret: '',
        authorizationUrl: `${idp}authorize/`,
        tokenUrl: `${idp}token/`,
        logoutUrl: `${idp}end-session/`,
        redirectUri: 'http://localhost:3001/auth/oidc/callback',
        logoutRedirectUri: 'http://localhost:3001/signed-out',
        logoutRedirectParameterName: 'post_logout_redirect_uri',
        // Names the client at the end-session endpoint, so the provider returns to logoutRedirectUri
        // (an id_token_hint would need the ID token in the browser's session).
        additionalLogoutParameters: { clientId: 'tessera-portal' },
        scope: ['openid', 'profile', 'email', 'groups', 'offline_access'],
        pkce: true,
        state: true,
        nonce: true,
        responseType: 'code',
        tokenRequestType: 'form-urlencoded',
        authenticationScheme: 'body',
        userNameClaim: 'preferred_username',
        optionalClaims: ['name', 'email', 'preferred_username'],
        // Tokens stay on the server: never in the session the browser reads.
        exposeAccessToken: false,
        exposeIdToken: false,
        validateAccessToken: false,
        validateIdToken: false,
        skipAccessTokenParsing: false,
        // Renew the tokens this many seconds before they expire. The provider's setting wins over
        // `session` below (NUXT_OIDC_PROVIDERS_OIDC_SESSION_CONFIGURATION_EXPIRATION_THRESHOLD).
        sessionConfiguration: { automaticRefresh: true, expirationCheck: true, expirationThreshold: 30 },
      },
    },
    session: {
      automaticRefresh: true,
      expirationCheck: true,
      maxAge: 8 * 60 * 60,
      cookie: { sameSite: 'lax', secure: false },
    },
    middleware: {
      globalMiddlewareEnabled: false,
      customLoginPage: true,
    },
  },
  typescript: { strict: true },
});
