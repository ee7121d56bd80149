import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON, MongoClient, type Db } from 'mongodb';
import { dropDatabase, testDatabaseUri } from '@tessera/testing';
import { PlatformDatabaseRepository } from '../../src/platform-backup/platform-backup.repository';
import { BackupRefused, PlatformBackupService } from '../../src/platform-backup/platform-backup.service';

/** Every collection's documents, as raw BSON in _id order: what "the same platform" means here. */
async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const result: Record<string, string[]> = {};
  for (const name of names) {
    const docs = (await db.collection(name).find({}, { raw: true, sort: { _id: 1 } }).toArray()) as unknown as Buffer[];
    result[name] = docs.map((d) => Buffer.from(d).toString('hex'));
  }
  return result;
}

describe('platform database backup and restore on the real database', () => {
  const uri = testDatabaseUri('platform-backup');
  let client: MongoClient;
  let db: Db;
  let dir: string;
  let at = Date.parse('2026-12-01T10:00:00Z');
  let service: PlatformBackupService;

  beforeAll(async () => {
    client = await new MongoClient(uri).connect();
    db = client.db();
    dir = await mkdtemp(join(tmpdir(), 'platform-backup-'));
    service = new PlatformBackupService(new PlatformDatabaseRepository(db), { dir, keep: 3 }, () => new Date((at += 60_000)));
    const tenants = Array.from({ length: 25 }, (_, i) => ({ _id: new BSON.ObjectId(), slug: `tenant-${i}`, plan: 'starter', status: 'active', createdAt: new Date(1_700_000_000_000 + i), quota: new BSON.Int32(i), ratio: new BSON.Double(1) }));
    await db.collection('tenants').insertMany(tenants);
    await db.collection('tenants').createIndex({ slug: 1 }, { unique: true, name: 'slug_1' });
    await db.collection('memberships').insertMany(tenants.map((t, i) => ({ tenantId: t._id, userId: `user-${i % 5}`, role: i % 2 ? 'member' : 'owner' })));
    await db.collection('memberships').createIndex({ tenantId: 1, userId: 1 }, { unique: true, name: 'tenantId_1_userId_1' });
    await db.collection('audit_entries').insertMany(Array.from({ length: 60 }, (_, i) => ({ at: new Date(1_700_000_100_000 + i), action: 'tenant.created', actor: { id: 'op', email: 'op@example.com' }, details: { n: i, tags: ['a', 'b'] } })));
    await db.collection('provisioning_leases').insertOne({ _id: 'x' as unknown as BSON.ObjectId, holder: 'h', expiresAt: new Date() });
  });
  afterAll(async () => {
    await client.close();
    await dropDatabase(uri);
  });

  it('backs up, the database is wiped, and a restore brings back the same tenants, memberships and audit trail with their indexes', async () => {
    const before = await snapshot(db);
    delete before['provisioning_leases'];
    const manifest = await service.backup('command');
    expect(manifest.collections).toEqual([
      { name: 'audit_entries', documents: 60, indexes: 1 },
      { name: 'memberships', documents: 25, indexes: 2 },
      { name: 'tenants', documents: 25, indexes: 2 },
    ]);
    const archive = await readFile(join(dir, manifest.archive));
    expect(archive.length).toBe(manifest.sizeBytes);

    await db.dropDatabase();
    expect(await snapshot(db)).toEqual({});

    await expect(service.restore(manifest.name, { confirmed: false })).rejects.toThrow(/--yes/);
    const restored = await service.restore(manifest.name, { confirmed: true });
    expect(restored.documents).toBe(110);
    expect(await snapshot(db)).toEqual(before);
    const indexes = (await db.collection('memberships').listIndexes().toArray()).find((i) => i['name'] === 'tenantId_1_userId_1');
    expect(indexes).toMatchObject({ key: { tenantId: 1, userId: 1 }, unique: true });
    await expect(db.collection('tenants').insertOne({ slug: 'tenant-0' })).rejects.toMatchObject({ code: 11000 });
  });

  it('refuses a corrupted archive with a clear message and changes nothing', async () => {
    const manifest = await service.backup('command');
    const path = join(dir, manifest.archive);
    const bytes = await readFile(path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    await db.collection('tenants').insertOne({ slug: 'made-after' });
    const before = await snapshot(db);
    const error = (await service.restore(manifest.name, { confirmed: true }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(BackupRefused);
    expect(error.message).toMatch(/does not match the checksum in its manifest.*nothing was restored/);
    expect(await snapshot(db)).toEqual(before);
  });

  it('keeps the newest backups only, as many as configured', async () => {
    for (let i = 0; i < 4; i++) await service.backup('schedule');
    const listed = await service.list();
    expect(listed).toHaveLength(3);
    const names = listed.map((m) => m.name);
    expect([...names].sort().reverse()).toEqual(names);
    expect((await readdir(dir)).sort()).toEqual(listed.flatMap((m) => [m.archive, `${m.name}.manifest.json`]).sort());
  });
});
