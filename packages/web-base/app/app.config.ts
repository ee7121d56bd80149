/** Each app names itself: its cookies carry the name, so apps on one host keep apart. */
export default defineAppConfig({
  tessera: {
    app: 'app',
    signInTitle: 'Sign in to Tessera',
    signInText: '',
  },
});
