import { BSON } from 'mongodb';
import { ArchiveFormatError, Crc64, preludeBytes, readArchive, writeCollectionBlock } from './mongo-archive';

async function* each(documents: Buffer[]): AsyncIterable<Buffer> {
  for (const document of documents) yield document;
}

async function archiveOf(collections: Record<string, BSON.Document[]>): Promise<Buffer> {
  const chunks: Buffer[] = [preludeBytes({ serverVersion: '7.0.77', toolVersion: 'test' }, Object.keys(collections).map((collection) => ({ db: 'tessera', collection, metadata: '{}', type: 'collection' })))];
  for (const [collection, documents] of Object.entries(collections)) {
    await writeCollectionBlock('tessera', collection, each(documents.map((d) => Buffer.from(BSON.serialize(d)))), (chunk) => {
      chunks.push(chunk);
      return Promise.resolve();
    });
  }
  return Buffer.concat(chunks);
}

describe('the MongoDB dump archive format', () => {
  it('computes the CRC-64 (ECMA, reflected) that Go’s hash/crc64 gives', () => {
    expect(new Crc64().update(Buffer.from('123456789')).digest()).toBe(0x995dc9bbdf1939fan);
    expect(new Crc64().update(Buffer.from('1234')).update(Buffer.from('56789')).digest()).toBe(0x995dc9bbdf1939fan);
  });

  it('starts with the magic number and reads back every collection with its documents byte for byte', async () => {
    const data = await archiveOf({ tenants: [{ _id: 1, slug: 'acme' }, { _id: 2, slug: 'globex' }], empty: [] });
    expect(data.readUInt32LE(0)).toBe(0x8199e26d);
    const read = readArchive(data);
    expect(read.header).toEqual({ serverVersion: '7.0.77', toolVersion: 'test', version: '0.1' });
    expect(read.collections.map((c) => [c.collection, c.documents.map((d) => BSON.deserialize(d))])).toEqual([
      ['tenants', [{ _id: 1, slug: 'acme' }, { _id: 2, slug: 'globex' }]],
      ['empty', []],
    ]);
  });

  it('refuses an archive whose documents were changed (CRC), cut short, or that is no archive', async () => {
    const data = await archiveOf({ tenants: [{ _id: 1, slug: 'acme' }] });
    const changed = Buffer.from(data);
    changed[changed.indexOf('acme')] = 'x'.charCodeAt(0);
    expect(() => readArchive(changed)).toThrow(/do not match their CRC/);
    expect(() => readArchive(data.subarray(0, data.length - 10))).toThrow(ArchiveFormatError);
    expect(() => readArchive(Buffer.from('not an archive'))).toThrow(/not a MongoDB dump archive/);
  });
});
