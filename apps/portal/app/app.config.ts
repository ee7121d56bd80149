export default defineAppConfig({
  tessera: {
    app: 'portal',
    signInTitle: 'Sign in to Tessera',
    signInText: 'Your workspaces, your team and your subscription, in one place.',
  },
});
