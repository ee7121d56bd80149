import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';

/**
 * A database of its own for one test file, on the server the global setup
 * chose. The name carries the file's name, so a leftover one can be traced.
 */
export function testDatabaseUri(label: string): string {
  const base = process.env['TESSERA_TEST_MONGODB_URI'];
  if (!base) throw new Error('TESSERA_TEST_MONGODB_URI is not set: run the tests through jest, whose global setup starts the database');
  const url = new URL(base);
  const safe = label.replace(/[^a-z0-9]/gi, '_').slice(0, 30);
  url.pathname = `/t_${safe}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

export async function dropDatabase(uri: string): Promise<void> {
  const client = await new MongoClient(uri).connect();
  await client.db().dropDatabase();
  await client.close();
}
