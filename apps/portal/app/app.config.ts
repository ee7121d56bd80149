export default defineAppConfig({
  tessera: {
    app: 'portal',
    name: 'Tessera',
    signInTitle: 'Sign in to Tessera',
    signInText: 'Your workspaces, your team and your subscription, in one place.',
  },
});
