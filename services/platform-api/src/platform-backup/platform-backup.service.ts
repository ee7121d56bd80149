import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { gunzipSync, createGzip } from 'node:zlib';
import { BSON } from 'mongodb';
import { ArchiveFormatError, preludeBytes, readArchive, writeCollectionBlock } from './mongo-archive';
import type { PlatformDatabaseRepository } from './platform-backup.repository';

export const TOOL_VERSION = 'tessera-platform-backup/1 (mongodump archive format 0.1)';

export interface BackupSettings {
  /** Where archives and their manifests go. */
  dir: string;
  /** How many backups are kept; older ones are removed after each backup. */
  keep: number;
}

/** What a backup's manifest (`<name>.manifest.json`, beside `<name>.archive.gz`) says. */
export interface BackupManifest {
  name: string;
  archive: string;
  format: 'mongodump-archive+gzip';
  tool: string;
  serverVersion: string;
  database: string;
  createdAt: string;
  trigger: string;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
  collections: { name: string; documents: number; indexes: number }[];
}

export class BackupRefused extends Error {}

/**
 * Backs up the platform database into one gzipped MongoDB archive and a
 * manifest, keeps the newest `keep`, and restores an archive after checking
 * it whole (checksum, then every collection's CRC) before it changes anything.
 */
export class PlatformBackupService {
  constructor(
    private readonly database: PlatformDatabaseRepository,
    private readonly settings: BackupSettings,
    private readonly now: () => Date,
  ) {}

  async backup(trigger: string, options: { prune: boolean } = { prune: true }): Promise<BackupManifest> {
    const started = performance.now();
    const createdAt = this.now();
    const name = `platform-${createdAt.toISOString().replace(/[:.]/g, '-')}`;
    const archive = `${name}.archive.gz`;
    await mkdir(this.settings.dir, { recursive: true });
    const partial = join(this.settings.dir, `${archive}.partial`);
    const collections = await this.database.collections();
    const dbName = this.database.db.databaseName;
    const gzip = createGzip();
    const file = createWriteStream(partial);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    gzip.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      sizeBytes += chunk.length;
    });
    gzip.pipe(file);
    const write = async (chunk: Buffer) => {
      if (!gzip.write(chunk)) await once(gzip, 'drain');
    };
    const counted: BackupManifest['collections'] = [];
    try {
      await write(
        preludeBytes(
          { serverVersion: await this.database.serverVersion(), toolVersion: TOOL_VERSION },
          collections.map((c) => ({ db: dbName, collection: c.name, type: 'collection', metadata: BSON.EJSON.stringify({ indexes: c.indexes, ...(c.uuid ? { uuid: c.uuid } : {}), collectionName: c.name, type: 'collection', options: c.options }, { relaxed: false }) })),
        ),
      );
      for (const c of collections) {
        const { count } = await writeCollectionBlock(dbName, c.name, this.database.rawDocuments(c.name), write);
        counted.push({ name: c.name, documents: count, indexes: c.indexes.length });
      }
      gzip.end();
      await once(file, 'close');
    } catch (error: unknown) {
      gzip.destroy();
      file.destroy();
      await rm(partial, { force: true });
      throw error;
    }
    await rename(partial, join(this.settings.dir, archive));
    const manifest: BackupManifest = {
      name,
      archive,
      format: 'mongodump-archive+gzip',
      tool: TOOL_VERSION,
      serverVersion: await this.database.serverVersion(),
      database: dbName,
      createdAt: createdAt.toISOString(),
      trigger,
      durationMs: Math.round(performance.now() - started),
      sizeBytes,
      sha256: hash.digest('hex'),
      collections: counted,
    };
    // The manifest last: an archive without one is no backup (a crash mid-way leaves only a .partial).
    await writeFile(join(this.settings.dir, `${name}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
    if (options.prune) await this.prune();
    return manifest;
  }

  /** Every complete backup, newest first. */
  async list(): Promise<BackupManifest[]> {
    let names: string[];
    try {
      names = await readdir(this.settings.dir);
    } catch {
      return [];
    }
    const manifests = await Promise.all(names.filter((n) => n.endsWith('.manifest.json')).map(async (n) => JSON.parse(await readFile(join(this.settings.dir, n), 'utf8')) as BackupManifest));
    return manifests.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Keeps the newest `keep` backups; removes the others' archives and manifests. */
  async prune(): Promise<string[]> {
    const old = (await this.list()).slice(this.settings.keep);
    for (const manifest of old) {
      await rm(join(this.settings.dir, manifest.archive), { force: true });
      await rm(join(this.settings.dir, `${manifest.name}.manifest.json`), { force: true });
    }
    return old.map((m) => m.name);
  }

  /**
   * Restores a backup (by name, or the newest) into the configured database:
   * checks the archive's checksum against its manifest and reads it whole
   * (each collection's CRC and count) first, refusing with BackupRefused and
   * changing nothing when anything is wrong; takes a backup of the current
   * database; then drops and restores each collection with its indexes.
   */
  async restore(name: string | null, options: { confirmed: boolean }): Promise<{ manifest: BackupManifest; safetyBackup: string; collections: number; documents: number }> {
    if (!options.confirmed) throw new BackupRefused('a restore replaces the platform database: run it again with --yes to confirm');
    const backups = await this.list();
    const manifest = name === null ? backups[0] : backups.find((b) => b.name === name || b.archive === name);
    if (!manifest) throw new BackupRefused(name === null ? `there is no backup in ${this.settings.dir}` : `there is no backup named ${name} in ${this.settings.dir}`);
    const path = join(this.settings.dir, manifest.archive);
    const sha256 = await fileSha256(path).catch(() => null);
    if (sha256 === null) throw new BackupRefused(`the archive ${manifest.archive} cannot be read; nothing was restored`);
    if (sha256 !== manifest.sha256) throw new BackupRefused(`the archive ${manifest.archive} does not match the checksum in its manifest: it is corrupt or was changed; nothing was restored`);
    let archive: ReturnType<typeof readArchive>;
    try {
      archive = readArchive(gunzipSync(await readFile(path)));
    } catch (error: unknown) {
      const reason = error instanceof ArchiveFormatError ? error.message : 'it cannot be uncompressed';
      throw new BackupRefused(`the archive ${manifest.archive} is corrupt (${reason}); nothing was restored`);
    }
    for (const expected of manifest.collections) {
      const found = archive.collections.find((c) => c.collection === expected.name);
      if (!found || found.documents.length !== expected.documents) throw new BackupRefused(`the archive ${manifest.archive} does not hold the ${expected.documents} documents of ${expected.name} its manifest lists; nothing was restored`);
    }
    const safety = await this.backup('before-restore', { prune: false });
    let documents = 0;
    for (const collection of archive.collections) {
      const metadata = (collection.metadata ? BSON.EJSON.parse(collection.metadata, { relaxed: false }) : {}) as { indexes?: Record<string, unknown>[]; options?: Record<string, unknown> };
      await this.database.replaceCollection(collection.collection, metadata.options ?? {}, metadata.indexes ?? [], collection.documents);
      documents += collection.documents.length;
    }
    return { manifest, safetyBackup: safety.name, collections: archive.collections.length, documents };
  }
}

async function fileSha256(path: string): Promise<string> {
  await stat(path);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
