/** Each app names itself: its cookies carry the name, so apps on one host keep apart. */
export default defineAppConfig({
  tessera: {
    app: 'app',
    /** The name in the sidebar and the tab title, unless a partner's branding replaces it. */
    name: 'Tessera',
    signInTitle: 'Sign in to Tessera',
    signInText: '',
  },
  ui: {
    colors: { primary: 'indigo', neutral: 'slate', warning: 'amber' },
  },
});
