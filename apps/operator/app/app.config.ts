export default defineAppConfig({
  tessera: {
    app: 'operator',
    name: 'Tessera operators',
    signInTitle: 'Tessera operator console',
    signInText: 'For the people who run the platform. Sign in with your operator account.',
  },
});
