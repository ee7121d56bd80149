// What the portal and the operator console share, as a Nuxt layer: Nuxt UI and
// the dashboard shell's shared pieces (status badges, pager, money and time,
// the action runner, confirmations, the one map from API errors to
// sentences), signing in with nuxt-oidc-auth (tokens kept on the server), the
// BFF's call to platform-api and its error helper, the session pages and
// middleware. Each app extends it and names its own OIDC client and issuer.
export default defineNuxtConfig({
  compatibilityDate: '2026-11-01',
  modules: ['@nuxt/ui', 'nuxt-oidc-auth'],
  devtools: { enabled: false },
  telemetry: false,
  app: {
    head: {
      htmlAttrs: { lang: 'en' },
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },
  css: [new URL('./app/assets/main.css', import.meta.url).pathname],
  // Offline: no font providers (the system font stack), icons from the installed @iconify-json/lucide
  // collection, bundled on the server and, for the icons the code names, in the client.
  ui: { fonts: false },
  icon: { serverBundle: { collections: ['lucide'] }, clientBundle: { scan: true }, fallbackToApi: false },
  runtimeConfig: {
    /** Where the BFF reaches platform-api (NUXT_API_URL). */
    apiUrl: 'http://127.0.0.1:3000',
  },
  oidc: {
    defaultProvider: 'oidc',
    providers: {
      oidc: {
        clientSecret: '',
        logoutRedirectParameterName: 'post_logout_redirect_uri',
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
