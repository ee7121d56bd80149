import { BSON, Long } from 'mongodb';

/**
 * MongoDB's dump archive format (what `mongodump --archive` writes and
 * `mongorestore --archive` reads), written and read here with the driver's
 * BSON: the tools themselves cannot be had on these machines (see
 * docs/deploy.md, "Platform database backups").
 *
 * The layout, all little-endian:
 *
 *   magic 0x8199e26d
 *   header    {concurrent_collections, version: "0.1", server_version, tool_version}
 *   metadata  {db, collection, metadata: <the .metadata.json as extended JSON>, size, type}  one per collection
 *   0xffffffff
 *   then, per collection:
 *     {db, collection, EOF: false, CRC: 0}  documents…  0xffffffff
 *     {db, collection, EOF: true, CRC: <crc64 ECMA of the documents' bytes>}  0xffffffff
 *
 * With `--gzip` the whole stream is gzipped, as here.
 */
export const ARCHIVE_MAGIC = 0x8199e26d;
const TERMINATOR = Buffer.from([0xff, 0xff, 0xff, 0xff]);
export const ARCHIVE_FORMAT_VERSION = '0.1';

export interface ArchiveCollection {
  db: string;
  collection: string;
  /** The collection's `.metadata.json`: indexes, options, uuid, as canonical extended JSON. */
  metadata: string;
  type: string;
}

export interface ArchiveHeader {
  serverVersion: string;
  toolVersion: string;
}

/** One collection read back: its metadata and its documents as raw BSON, checked against the archive's CRC. */
export interface ArchivedCollection extends ArchiveCollection {
  documents: Buffer[];
}

export class ArchiveFormatError extends Error {}

/** The archive's start: magic number, header and one metadata document per collection. */
export function preludeBytes(header: ArchiveHeader, collections: ArchiveCollection[]): Buffer {
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(ARCHIVE_MAGIC);
  const parts = [
    magic,
    serialize({ concurrent_collections: 1, version: ARCHIVE_FORMAT_VERSION, server_version: header.serverVersion, tool_version: header.toolVersion }),
    ...collections.map((c) => serialize({ db: c.db, collection: c.collection, metadata: c.metadata, size: 0, type: c.type })),
    TERMINATOR,
  ];
  return Buffer.concat(parts);
}

/** Writes one collection's block: its header, documents as given (raw BSON), the terminator, then its EOF block with the CRC. */
export async function writeCollectionBlock(db: string, collection: string, documents: AsyncIterable<Buffer>, write: (chunk: Buffer) => Promise<void>): Promise<{ count: number; bytes: number }> {
  await write(serialize({ db, collection, EOF: false, CRC: Long.fromInt(0) }));
  const crc = new Crc64();
  let count = 0;
  let bytes = 0;
  for await (const document of documents) {
    crc.update(document);
    count += 1;
    bytes += document.length;
    await write(document);
  }
  await write(TERMINATOR);
  await write(serialize({ db, collection, EOF: true, CRC: Long.fromBigInt(BigInt.asIntN(64, crc.digest())) }));
  await write(TERMINATOR);
  return { count, bytes };
}

/**
 * Reads a whole (gunzipped) archive and checks it: the magic number, every
 * document's length, and each collection's CRC. Throws ArchiveFormatError
 * with what is wrong; answers nothing until everything has been checked.
 */
export function readArchive(data: Buffer): { header: { serverVersion: string; toolVersion: string; version: string }; collections: ArchivedCollection[] } {
  let at = 0;
  const fail = (what: string): never => {
    throw new ArchiveFormatError(`${what} (at byte ${at})`);
  };
  const nextIsTerminator = (): boolean => {
    if (at + 4 > data.length) fail('the archive ends too early');
    if (data.readUInt32LE(at) === 0xffffffff) {
      at += 4;
      return true;
    }
    return false;
  };
  const nextDocument = (): Buffer => {
    const size = data.readInt32LE(at);
    if (size < 5 || at + size > data.length || data[at + size - 1] !== 0) fail('a document has a broken length');
    const document = data.subarray(at, at + size);
    at += size;
    return document;
  };
  const parse = (document: Buffer): BSON.Document => {
    try {
      return BSON.deserialize(document, { promoteLongs: false });
    } catch {
      return fail('a header is not valid BSON');
    }
  };

  if (data.length < 4 || data.readUInt32LE(0) !== ARCHIVE_MAGIC) fail('this is not a MongoDB dump archive');
  at = 4;
  const header = parse(nextDocument());
  const declared: ArchiveCollection[] = [];
  while (!nextIsTerminator()) {
    const entry = parse(nextDocument());
    declared.push({ db: String(entry['db']), collection: String(entry['collection']), metadata: String(entry['metadata'] ?? ''), type: String(entry['type'] ?? 'collection') });
  }

  const documents = new Map<string, Buffer[]>(declared.map((c) => [`${c.db}.${c.collection}`, []]));
  const crcs = new Map<string, Crc64>();
  const ended = new Set<string>();
  while (at < data.length) {
    const block = parse(nextDocument());
    const namespace = `${String(block['db'])}.${String(block['collection'])}`;
    const list = documents.get(namespace) ?? fail(`a block names ${namespace}, which the archive did not declare`);
    const crc = crcs.get(namespace) ?? new Crc64();
    crcs.set(namespace, crc);
    if (block['EOF'] === true) {
      if (!nextIsTerminator()) fail(`the end of ${namespace} is not followed by a terminator`);
      const expected = BigInt.asUintN(64, (block['CRC'] as Long).toBigInt());
      if (crc.digest() !== expected) fail(`the documents of ${namespace} do not match their CRC: the archive is corrupt`);
      ended.add(namespace);
      continue;
    }
    while (!nextIsTerminator()) {
      const document = nextDocument();
      crc.update(document);
      list.push(document);
    }
  }
  const unfinished = [...documents.keys()].filter((namespace) => !ended.has(namespace));
  if (unfinished.length > 0) fail(`the archive ends before the end of ${unfinished.join(', ')}`);
  return {
    header: { serverVersion: String(header['server_version'] ?? ''), toolVersion: String(header['tool_version'] ?? ''), version: String(header['version'] ?? '') },
    collections: declared.map((c) => ({ ...c, documents: documents.get(`${c.db}.${c.collection}`)! })),
  };
}

function serialize(document: BSON.Document): Buffer {
  return Buffer.from(BSON.serialize(document));
}

/** CRC-64 with the ECMA polynomial, reflected (Go's hash/crc64 with crc64.ECMA, which the tools use), on two 32-bit halves. */
export class Crc64 {
  private static readonly table = Crc64.makeTable();
  private lo = 0xffffffff;
  private hi = 0xffffffff;

  private static makeTable(): { lo: Uint32Array; hi: Uint32Array } {
    const poly = 0xc96c5795d7870f42n;
    const lo = new Uint32Array(256);
    const hi = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let crc = BigInt(i);
      for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
      lo[i] = Number(crc & 0xffffffffn);
      hi[i] = Number(crc >> 32n);
    }
    return { lo, hi };
  }

  update(bytes: Uint8Array): this {
    const { lo: tableLo, hi: tableHi } = Crc64.table;
    let lo = this.lo;
    let hi = this.hi;
    for (let i = 0; i < bytes.length; i++) {
      const index = (lo ^ bytes[i]!) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ tableLo[index]!;
      hi = (hi >>> 8) ^ tableHi[index]!;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  digest(): bigint {
    return (BigInt((~this.hi) >>> 0) << 32n) | BigInt((~this.lo) >>> 0);
  }
}
