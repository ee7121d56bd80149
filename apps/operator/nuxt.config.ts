// The operator console: a separate app and OIDC client (the operator audience)
// for the people who run the platform. Sign-in, the BFF's API call and the
// session pages come from the shared layer (packages/web-base). Every setting
// can be overridden at run time by its NUXT_* variable (.env.example).
const idp = process.env.OPERATOR_OIDC_ISSUER ?? 'http://localhost:9000/application/o/operator/';

export default defineNuxtConfig({
  extends: ['../../packages/web-base'],
  oidc: {
    providers: {
      oidc: {
        clientId: 'tessera-operator',
        authorizationUrl: `${idp}authorize/`,
        tokenUrl: `${idp}token/`,
        logoutUrl: `${idp}end-session/`,
        redirectUri: 'http://localhost:3002/auth/oidc/callback',
        logoutRedirectUri: 'http://localhost:3002/signed-out',
        additionalLogoutParameters: { clientId: 'tessera-operator' },
      },
    },
    // Its own cookie name: the portal may run on the same host.
    session: { cookieName: 'tessera-operator-session' },
  },
});
