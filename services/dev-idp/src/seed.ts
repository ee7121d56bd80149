import type { Directory, UserRecord } from './directory.js';

const TOTP = 'authentik_stages_authenticator_totp.totpdevice';
const WEBAUTHN = 'authentik_stages_authenticator_webauthn.webauthndevice';

/**
 * The demo accounts. Group names follow platform-api's documented mapping
 * (docs/auth.md): `platform-admins`, and `tenant:<slug>:<role>` for the demo
 * tenants platform-api seeds, and `partner:<slug>:<level>` for the demo partner.
 */
export const DEMO_ACCOUNTS = [
  { username: 'opal', name: 'Opal Operator', email: 'opal@tessera.test', groups: ['platform-admins'], devices: [{ name: 'Phone', type: TOTP, confirmed: true }, { name: 'Security key', type: WEBAUTHN, confirmed: true }], role: 'operator (platform-admins)' },
  { username: 'parker', name: 'Parker Partner', email: 'parker@reseller.test', groups: ['partner:northwind-reseller:admin'], devices: [{ name: 'Security key', type: WEBAUTHN, confirmed: true }], role: 'partner admin' },
  { username: 'carol', name: 'Carol Customer', email: 'carol@northwind.test', groups: ['tenant:northwind:owner'], devices: [{ name: 'Phone', type: TOTP, confirmed: true }], role: 'customer, owner of northwind' },
  { username: 'dave', name: 'Dave Customer', email: 'dave@globex.test', groups: ['tenant:globex:owner'], devices: [{ name: 'Phone', type: TOTP, confirmed: false }], role: 'customer, owner of globex' },
  { username: 'nora', name: 'Nora Newcomer', email: 'nora@example.test', groups: [], devices: [], role: 'no tenant yet' },
] as const;

/** Creates the demo accounts, groups and devices that are missing; leaves existing ones alone. */
export async function seedDemo(directory: Directory, password: string): Promise<void> {
  for (const account of DEMO_ACCOUNTS) {
    let user: UserRecord | null = await directory.users.findOne({ username: account.username });
    if (!user) {
      user = await directory.createUser({ username: account.username, name: account.name, email: account.email, password });
      for (const device of account.devices) await directory.addDevice(user.pk, device);
    }
    const userPk = user.pk;
    for (const name of account.groups) {
      const group = (await directory.groups.findOne({ name })) ?? (await directory.createGroup({ name, isSuperuser: name === 'platform-admins' }));
      await directory.setMembership(group.pk, userPk, true);
    }
  }
}
