import type { AuditEvent } from '@tessera/contracts';

/** What an entry of a tenant's activity says happened, as a sentence a member understands. */
const SENTENCES: Record<string, string> = {
  'workspace.start': 'started the workspace',
  'workspace.stop': 'stopped the workspace',
  'workspace.restart': 'restarted the workspace',
  'workspace.repair': 'repaired the workspace',
  'workspace.sleep': 'put the workspace to sleep after a quiet spell',
  'workspace.wake': 'woke the workspace for a visit',
  'tenant.create': 'created this workspace',
  'tenant.update': 'changed the settings',
  'tenant.reconcile': 'checked and repaired the setup',
  'tenant.drift': 'found part of the setup changed and put it back',
  'tenant.approve': 'approved the sign-up',
  'tenant.reject': 'declined the sign-up',
  'tenant.suspend': 'suspended this workspace',
  'tenant.resume': 'resumed this workspace',
  'tenant.terminate': 'ended this workspace',
  'tenant.attach-partner': 'put this workspace in the care of a partner',
  'tenant.detach-partner': 'ended the partner’s care of this workspace',
  'member.add': 'added a member',
  'member.remove': 'removed a member',
  'member.change-role': 'changed a member’s role',
  'domain.add': 'added a custom domain',
  'domain.verify': 'checked a custom domain',
  'domain.remove': 'removed a custom domain',
  'support.request': 'asked for support access',
  'support.approve': 'gave support access',
  'support.deny': 'declined a support request',
  'support.revoke': 'ended support access',
  'support.workspace': 'opened the workspace under support access',
  'support.read': 'looked at the people under support access',
  'subscription.update': 'changed the subscription',
};

export const ACTIVITY_KINDS = [
  { label: 'Everything', value: 'all' },
  { label: 'Workspace', value: 'workspace' },
  { label: 'People', value: 'member' },
  { label: 'Settings and setup', value: 'tenant' },
  { label: 'Custom domains', value: 'domain' },
  { label: 'Support access', value: 'support' },
];

/** Sentences that name who or what was acted on, when the API names it (a person, a domain). */
const NAMED: Record<string, (label: string) => string> = {
  'member.add': (who) => `added ${who}`,
  'member.remove': (who) => `removed ${who}`,
  'member.change-role': (who) => `changed the role of ${who}`,
  'domain.add': (domain) => `added the custom domain ${domain}`,
  'domain.verify': (domain) => `checked the custom domain ${domain}`,
  'domain.remove': (domain) => `removed the custom domain ${domain}`,
};

export function activitySentence(event: AuditEvent): string {
  const named = NAMED[event.action];
  if (named && event.target.label) return named(event.target.label);
  return SENTENCES[event.action] ?? words(event.action).toLowerCase();
}

export function activityIcon(action: string): string {
  if (action.startsWith('workspace.sleep')) return 'i-lucide-moon';
  if (action.startsWith('workspace.wake')) return 'i-lucide-sun';
  if (action.startsWith('workspace.')) return 'i-lucide-box';
  if (action.startsWith('member.')) return 'i-lucide-users';
  if (action.startsWith('domain.')) return 'i-lucide-globe';
  if (action.startsWith('support.')) return 'i-lucide-life-buoy';
  if (action === 'tenant.reconcile' || action === 'tenant.drift') return 'i-lucide-wrench';
  return 'i-lucide-settings';
}
