import { DevIdpProcess } from '@tessera/testing';
import { loadConfig } from '../../src/config/app-config';
import { AuthentikDirectory } from '../../src/integrations/identity/authentik.adapter';
import { isIntegrationError } from '../../src/integrations/integration-error';
import { dropDatabase, testDatabaseUri } from '@tessera/testing';

function directoryFor(url: string, token: string): AuthentikDirectory {
  return new AuthentikDirectory(
    loadConfig({
      MONGODB_URI: 'mongodb://127.0.0.1:1/unused',
      AUTH_ISSUERS: JSON.stringify([{ issuer: `${url}/application/o/portal/`, jwksUrl: `${url}/application/o/portal/jwks/`, audience: 'portal' }]),
      AUTH_AUDIENCE_PORTAL: 'p',
      AUTH_AUDIENCE_OPERATOR: 'o',
      AUTH_AUDIENCE_CI: 'c',
      IDENTITY_API_URL: url,
      IDENTITY_API_TOKEN: token,
      EDGE_SESSION_SECRET: 'edge-sessions-in-tests-are-signed-with-this',
      IDENTITY_API_TIMEOUT_MS: '2000',
    }),
  );
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error: unknown) {
    return isIntegrationError(error, 'identity') ? error.code : `not a directory error: ${String(error)}`;
  }
}

describe('AuthentikDirectory against dev-idp', () => {
  const database = testDatabaseUri('directory_idp');
  let idp: DevIdpProcess;
  let directory: AuthentikDirectory;

  beforeAll(async () => {
    idp = await DevIdpProcess.start(database, { seedDemo: true });
    directory = directoryFor(idp.origin, DevIdpProcess.ADMIN_TOKEN);
  });
  afterAll(async () => {
    await idp.stop();
    await dropDatabase(database);
  });

  const acme = { id: '65f000000000000000000001', slug: 'acme' };

  it('ensures a tenant group once, recording the tenant in its attributes', async () => {
    const [first, second] = await Promise.all([directory.ensureTenantGroup(acme), directory.ensureTenantGroup(acme)]);
    expect(first.id).toBe(second.id);
    expect(first).toMatchObject({ name: 'tenant:acme', attributes: { tessera_tenant_id: acme.id, tessera_tenant_slug: 'acme' } });
    expect((await directory.ensureTenantGroup(acme)).id).toBe(first.id);
    const { body } = await idp.admin('GET', '/core/groups/?name=tenant%3Aacme');
    expect((body as { results: unknown[] }).results).toHaveLength(1);
  });

  it('adopts a same-named group without a tenant, and refuses one that belongs to another tenant', async () => {
    await idp.admin('POST', '/core/groups/', { name: 'tenant:adopted' });
    const adopted = await directory.ensureTenantGroup({ id: '65f000000000000000000002', slug: 'adopted' });
    expect(adopted.attributes).toMatchObject({ tessera_tenant_id: '65f000000000000000000002' });
    expect(await codeOf(directory.ensureTenantGroup({ id: '65f000000000000000000003', slug: 'adopted' }))).toBe('conflict');
  });

  it('invites a user into a group, and finds the same user when invited again', async () => {
    const group = await directory.ensureTenantGroup(acme);
    const invited = await directory.inviteUser({ email: 'New.Person@Example.test', name: 'New Person', groupId: group.id });
    expect(invited).toMatchObject({ email: 'new.person@example.test', username: 'new.person@example.test', name: 'New Person' });
    expect(invited.subject).toMatch(/^[0-9a-f]{64}$/);
    const again = await directory.inviteUser({ email: 'new.person@example.test', name: 'Other Name' });
    expect(again.id).toBe(invited.id);
    expect((await directory.findTenantGroup(acme))?.memberIds).toEqual([invited.id]);
  });

  it('syncs members to exactly the wanted emails, and names the ones it does not know', async () => {
    const group = await directory.ensureTenantGroup(acme);
    const sync = await directory.syncMembers(group.id, ['carol@northwind.test', 'dave@globex.test', 'ghost@nowhere.test']);
    expect(sync.added.sort()).toEqual(['carol@northwind.test', 'dave@globex.test']);
    expect(sync.removed).toHaveLength(1);
    expect(sync.unknown).toEqual(['ghost@nowhere.test']);
    const carol = await directory.findUserByEmail('carol@northwind.test');
    const dave = await directory.findUserByEmail('dave@globex.test');
    expect((await directory.findTenantGroup(acme))?.memberIds.sort()).toEqual([carol!.id, dave!.id].sort());
    const again = await directory.syncMembers(group.id, ['carol@northwind.test', 'dave@globex.test']);
    expect(again).toEqual({ added: [], removed: [], unknown: [] });
  });

  it('removes a user from a group', async () => {
    const group = await directory.ensureTenantGroup(acme);
    const dave = (await directory.findUserByEmail('dave@globex.test'))!;
    await directory.removeFromGroup(group.id, dave.id);
    expect((await directory.findTenantGroup(acme))?.memberIds).not.toContain(dave.id);
  });

  it('counts confirmed MFA devices only', async () => {
    const count = async (email: string) => directory.countConfirmedMfaDevices((await directory.findUserByEmail(email))!.id);
    expect(await count('opal@tessera.test')).toBe(2);
    expect(await count('carol@northwind.test')).toBe(1);
    expect(await count('dave@globex.test')).toBe(0);
    expect(await count('nora@example.test')).toBe(0);
  });

  it('renames and deletes a group; a deleted group is not_found', async () => {
    const group = await directory.ensureTenantGroup({ id: '65f000000000000000000009', slug: 'short-lived' });
    expect((await directory.renameGroup(group.id, 'tenant:renamed')).name).toBe('tenant:renamed');
    await directory.deleteGroup(group.id);
    expect(await codeOf(directory.deleteGroup(group.id))).toBe('not_found');
    expect(await codeOf(directory.removeFromGroup(group.id, 1))).toBe('not_found');
  });

  it('reports a wrong token as unavailable', async () => {
    expect(await codeOf(directoryFor(idp.origin, 'wrong-token').findUserByEmail('carol@northwind.test'))).toBe('unavailable');
  });

  it('reports a provider that is down as unavailable', async () => {
    expect(await codeOf(directoryFor('http://127.0.0.1:1', 'x').ensureTenantGroup(acme))).toBe('unavailable');
  });
});
