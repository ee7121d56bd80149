import { existsSync } from 'node:fs';
import { startFerretDb, type RunningFerretDb } from './ferretdb';

declare global {
  var tesseraFerretDb: RunningFerretDb | undefined;
}

/**
 * Gives every test file a database server: MONGODB_URI when it is set (a real
 * MongoDB), else FerretDB started here. Test files read TESSERA_TEST_MONGODB_URI.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env['MONGODB_URI']) {
    process.env['TESSERA_TEST_MONGODB_URI'] = process.env['MONGODB_URI'];
    return;
  }
  const binary = process.env['FERRETDB_BIN'];
  if (!binary || !existsSync(binary)) {
    throw new Error('Set FERRETDB_BIN to a FerretDB binary (scripts/test.sh builds one), or MONGODB_URI to a MongoDB server.');
  }
  globalThis.tesseraFerretDb = await startFerretDb(binary);
  process.env['TESSERA_TEST_MONGODB_URI'] = globalThis.tesseraFerretDb.uri;
}
