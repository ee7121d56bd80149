import { BSON, type Db, type Document } from 'mongodb';

export interface CollectionDump {
  name: string;
  options: Document;
  indexes: Document[];
  uuid: string | null;
}

/** Collections a backup leaves out: leases exist only while a process holds them. */
const TRANSIENT = new Set(['provisioning_leases']);

/**
 * The platform database as a whole, for backups: its collections with their
 * options and indexes, their documents as raw BSON, and a drop-and-restore.
 * Takes the driver's Db, so the API (its mongoose connection's) and the CLI
 * (a client of its own) use the same code.
 */
export class PlatformDatabaseRepository {
  constructor(readonly db: Db) {}

  async serverVersion(): Promise<string> {
    const info = await this.db.admin().command({ buildInfo: 1 });
    return String(info['version'] ?? '0.0.0');
  }

  async collections(): Promise<CollectionDump[]> {
    const listed = (await this.db.listCollections({}, { nameOnly: false }).toArray()) as { name: string; type?: string; options?: Document; info?: { uuid?: BSON.Binary } }[];
    const dumps: CollectionDump[] = [];
    for (const entry of listed.filter((c) => (c.type ?? 'collection') === 'collection' && !c.name.startsWith('system.') && !TRANSIENT.has(c.name)).sort((a, b) => a.name.localeCompare(b.name))) {
      const indexes = await this.db.collection(entry.name).listIndexes().toArray();
      dumps.push({ name: entry.name, options: entry.options ?? {}, indexes, uuid: entry.info?.uuid ? Buffer.from(entry.info.uuid.buffer).toString('hex') : null });
    }
    return dumps;
  }

  /** A collection's documents as raw BSON, in _id order. */
  rawDocuments(collection: string): AsyncIterable<Buffer> {
    return this.db.collection(collection).find({}, { raw: true, sort: { _id: 1 } }) as unknown as AsyncIterable<Buffer>;
  }

  async count(collection: string): Promise<number> {
    return this.db.collection(collection).countDocuments({});
  }

  /** Drops the collection and makes it again: options, documents (raw BSON, types kept), then its indexes. */
  async replaceCollection(name: string, options: Document, indexes: Document[], documents: Buffer[]): Promise<void> {
    const existing = await this.db.listCollections({ name }, { nameOnly: true }).toArray();
    if (existing.length > 0) await this.db.dropCollection(name);
    await this.db.createCollection(name, options);
    const collection = this.db.collection(name);
    for (let start = 0; start < documents.length; start += 1_000) {
      const batch = documents.slice(start, start + 1_000).map((raw) => BSON.deserialize(raw, { promoteValues: false, promoteBuffers: false, bsonRegExp: true }));
      await collection.insertMany(batch, { ordered: true });
    }
    const specs = indexes.filter((index) => index['name'] !== '_id_').map((index) => {
      const { v: _v, ns: _ns, ...spec } = index;
      return spec as { key: Document; name: string };
    });
    if (specs.length > 0) await collection.createIndexes(specs);
  }
}
