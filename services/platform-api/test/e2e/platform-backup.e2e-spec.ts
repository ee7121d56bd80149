import type { AuditEvent, Member, Me, Page, PersonSummary, Tenant } from '@tessera/contracts';
import { dropDatabase } from '@tessera/testing';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { main } from '../../src/cli/tessera';
import type { BackupManifest } from '../../src/platform-backup/platform-backup.service';
import { caller, provisioned, startAnotherProcess, startAppWithDevIdp, type TestApp } from '../support/app';

/** Every collection's documents as raw BSON in _id order, read straight from the database. */
async function snapshot(uri: string): Promise<Record<string, string[]>> {
  const client = await new MongoClient(uri).connect();
  try {
    const db = client.db();
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    const result: Record<string, string[]> = {};
    for (const name of names) {
      const documents = (await db.collection(name).find({}, { raw: true, sort: { _id: 1 } }).toArray()) as unknown as Buffer[];
      result[name] = documents.map((d) => Buffer.from(d).toString('hex'));
    }
    return result;
  } finally {
    await client.close();
  }
}

/** What a restore must bring back of a tenant: everything but what the platform recomputes as it runs. */
const stable = (tenant: Tenant) => ({ id: tenant.id, slug: tenant.slug, name: tenant.name, status: tenant.status, plan: tenant.plan, partnerId: tenant.partnerId, industry: tenant.industry, brandColor: tenant.brandColor, approval: tenant.approval, createdAt: tenant.createdAt });
const personOf = (person: PersonSummary) => ({ id: person.id, email: person.email, name: person.name, platformAdmin: person.platformAdmin, disabledAt: person.disabledAt, createdAt: person.createdAt, tenants: person.tenants });

/**
 * The operations drill, on the real database with the real API: tenants,
 * people, memberships and audited changes made over HTTP; `tessera backup`;
 * the database dropped; `tessera restore --yes`; a new platform-api on the
 * restored database serving the same platform, and taking changes again.
 */
describe('the platform database backed up, wiped and restored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-platform-restore-'));
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let restored: TestApp | null = null;
  let app: TestApp;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(app, bearer)(...args);
  const tessera = async (...argv: string[]): Promise<{ code: number; output: string }> => {
    const lines: string[] = [];
    const code = await main(argv, { MONGODB_URI: t.uri, PLATFORM_BACKUP_DIR: dir }, (text) => lines.push(text));
    return { code, output: lines.join('\n') };
  };

  /** What the API shows of the platform to an operator and to the tenants' members; the audit trail up to `until`. */
  const platformAsShown = async (until: string) => {
    const tenants = ((await call('get', '/tenants?pageSize=100', 'operator').expect(200)).body as Page<Tenant>).items.map(stable);
    const members: Record<string, Member[]> = {};
    for (const [slug, who] of [['acme', 'owner'], ['globex', 'admin']] as const) members[slug] = (await call('get', `/tenants/${slug}/members`, who).expect(200)).body as Member[];
    const people = ((await call('get', '/people?pageSize=100', 'operator').expect(200)).body as Page<PersonSummary>).items.map(personOf);
    const audit = (await call('get', `/audit?pageSize=100&to=${until}`, 'operator').expect(200)).body as Page<AuditEvent>;
    const me = ((await call('get', '/users/me', 'owner').expect(200)).body as Me).memberships;
    return { tenants, members, people, audit: { total: audit.total, ids: audit.items.map((e) => e.id), actions: audit.items.map((e) => e.action) }, me };
  };

  let before: Awaited<ReturnType<typeof platformAsShown>>;
  let auditUntil: string;
  let backupName: string;

  beforeAll(async () => {
    t = await startAppWithDevIdp('platform_restore');
    app = t;
    for (const [who, username] of [['owner', 'olivia'], ['admin', 'adam'], ['member', 'mike']] as const) {
      await t.idp.createPerson(username, { email: `${username}@example.test` });
      bearer[who] = await t.idp.accessToken(username, 'portal');
    }
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const who of ['owner', 'admin', 'member', 'operator']) await call('get', '/users/me', who).expect(200);

    // Two tenants with their members, a change by their owner and one by an operator: all through the API, all audited.
    await call('post', '/tenants', 'owner', { slug: 'acme', name: 'Acme', plan: 'starter' }).expect(201);
    await call('post', '/tenants', 'admin', { slug: 'globex', name: 'Globex', plan: 'starter' }).expect(201);
    await provisioned(t, 'acme', bearer['owner']!);
    await provisioned(t, 'globex', bearer['admin']!);
    await call('post', '/tenants/acme/members', 'owner', { email: 'adam@example.test', role: 'admin' }).expect(201);
    await call('post', '/tenants/acme/members', 'owner', { email: 'mike@example.test', role: 'member' }).expect(201);
    await call('post', '/tenants/globex/members', 'admin', { email: 'olivia@example.test', role: 'member' }).expect(201);
    await call('patch', '/tenants/acme', 'owner', { name: 'Acme Inc', industry: 'logistics' }).expect(200);
    await call('post', '/tenants/globex/suspend', 'operator', { reason: 'unpaid invoice' }).expect(200);

    auditUntil = new Date().toISOString();
    before = await platformAsShown(auditUntil);
    // dev-idp, four sign-ins and two tenants provisioned: more than the default minute on a busy machine.
  }, 120_000);
  afterAll(async () => {
    await restored?.close();
    // The first app was stopped in a test; this closes it a second time (its shutdown hooks run again, harmlessly), drops the database and stops dev-idp.
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a backup with `tessera backup` holding the tenants, people, memberships and audit trail the API shows', async () => {
    expect(before.tenants.map((tenant) => [tenant.slug, tenant.status])).toEqual(expect.arrayContaining([['acme', 'active'], ['globex', 'suspended']]));
    expect(before.members['acme']!.map((m) => [m.email, m.role])).toEqual([['olivia@example.test', 'owner'], ['adam@example.test', 'admin'], ['mike@example.test', 'member']]);
    expect(before.members['globex']!.map((m) => [m.email, m.role])).toEqual([['adam@example.test', 'owner'], ['olivia@example.test', 'member']]);
    expect(before.people.map((p) => p.email).sort()).toEqual(['adam@example.test', 'mike@example.test', 'olivia@example.test', 'opal@example.test']);
    expect(before.audit.actions).toEqual(expect.arrayContaining(['tenant.create', 'member.add', 'tenant.update', 'tenant.suspend']));

    const { code, output } = await tessera('backup');
    expect(code).toBe(0);
    backupName = /^backup (platform-\S+):/.exec(output)![1]!;
    const manifest = JSON.parse(readFileSync(join(dir, `${backupName}.manifest.json`), 'utf8')) as BackupManifest;
    const documents = Object.fromEntries(manifest.collections.map((c) => [c.name, c.documents]));
    expect(documents['tenants']).toBe(before.tenants.length);
    expect(documents['users']).toBe(before.people.length);
    expect(documents['memberships']).toBe(Object.values(before.members).flat().length);
    expect(documents['audit_events']).toBeGreaterThanOrEqual(before.audit.total);
  });

  it('refuses a restore without --yes, and a corrupted archive, saying why, and leaves the database as it was', async () => {
    // As the procedure says: platform-api stopped first.
    await t.app.close();
    const untouched = await snapshot(t.uri);
    expect(Object.keys(untouched)).toEqual(expect.arrayContaining(['tenants', 'memberships', 'users', 'audit_events']));

    const unconfirmed = await tessera('restore', '--backup', backupName);
    expect(unconfirmed).toEqual({ code: 2, output: expect.stringContaining('a restore replaces the platform database') });
    expect(unconfirmed.output).toContain('run it again with --yes');

    // A copy of the backup with one byte of its archive changed, in a directory of its own.
    const corrupt = mkdtempSync(join(tmpdir(), 'tessera-platform-corrupt-'));
    try {
      const manifest = JSON.parse(readFileSync(join(dir, `${backupName}.manifest.json`), 'utf8')) as BackupManifest;
      copyFileSync(join(dir, `${backupName}.manifest.json`), join(corrupt, `${backupName}.manifest.json`));
      const bytes = readFileSync(join(dir, manifest.archive));
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      writeFileSync(join(corrupt, manifest.archive), bytes);
      const lines: string[] = [];
      const code = await main(['restore', '--yes'], { MONGODB_URI: t.uri, PLATFORM_BACKUP_DIR: corrupt }, (text) => lines.push(text));
      expect(code).toBe(1);
      expect(lines.join('\n')).toMatch(/does not match the checksum in its manifest: it is corrupt or was changed; nothing was restored/);
      expect(readdirSync(corrupt).sort()).toEqual([manifest.archive, `${backupName}.manifest.json`].sort());
    } finally {
      rmSync(corrupt, { recursive: true, force: true });
    }

    expect(await snapshot(t.uri)).toEqual(untouched);
  });

  it('brings the same tenants, people, memberships and audit trail back with `tessera restore --yes` after the database is dropped, on a new platform-api', async () => {
    await dropDatabase(t.uri);
    expect(await snapshot(t.uri)).toEqual({});

    const { code, output } = await tessera('restore', '--yes');
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^restored ${backupName} \\(`));
    expect(output).toMatch(/the database as it was before is in the backup platform-\S+/);

    restored = await startAnotherProcess(t);
    app = restored;
    const after = await platformAsShown(auditUntil);
    expect(after.tenants).toEqual(before.tenants);
    expect(after.members).toEqual(before.members);
    expect(after.people).toEqual(before.people);
    expect(after.audit).toEqual(before.audit);
    expect(after.me).toEqual(before.me);
    // An entry made before the backup, as it was written.
    const suspended = (await call('get', '/audit?action=tenant.suspend&tenant=globex', 'operator').expect(200)).body as Page<AuditEvent>;
    expect(suspended.items).toEqual([expect.objectContaining({ action: 'tenant.suspend', reason: 'unpaid invoice', actor: expect.objectContaining({ email: 'opal@example.test' }) })]);
    expect(before.audit.ids).toContain(suspended.items[0]!.id);
  });

  it('takes changes again after the restore, audited after the entries from before the backup', async () => {
    const mike = before.members['acme']!.find((m) => m.email === 'mike@example.test')!;
    await call('patch', `/tenants/acme/members/${mike.userId}`, 'owner', { role: 'admin' }).expect(200);
    expect(((await call('get', '/tenants/acme/members', 'member').expect(200)).body as Member[]).find((m) => m.userId === mike.userId)!.role).toBe('admin');
    await call('post', '/tenants/globex/resume', 'operator').expect(200);
    expect(((await call('get', '/tenants/globex', 'admin').expect(200)).body as Tenant).status).toBe('active');

    const trail = ((await call('get', '/audit?pageSize=100', 'operator').expect(200)).body as Page<AuditEvent>).items;
    const roleChange = trail.find((e) => e.action === 'member.change-role');
    const resume = trail.find((e) => e.action === 'tenant.resume');
    expect(roleChange).toMatchObject({ tenant: expect.objectContaining({ slug: 'acme' }), changes: { role: { from: 'member', to: 'admin' } } });
    expect(resume).toMatchObject({ target: expect.objectContaining({ slug: 'globex' }), changes: { status: { from: 'suspended', to: 'active' } } });
    expect(trail.map((e) => e.id)).toEqual(expect.arrayContaining(before.audit.ids));
    for (const made of [roleChange!, resume!]) expect(made.at > auditUntil).toBe(true);
  });
});
