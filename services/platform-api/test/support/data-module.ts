import type { ModuleMetadata } from '@nestjs/common';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { CommonModule } from '../../src/common/common.module';
import { DatabaseModule } from '../../src/database/database.module';
import { IntegrationsModule } from '../../src/integrations/integrations.module';
import { loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { dropDatabase, testDatabaseUri } from '@tessera/testing';

export interface DataModule {
  module: TestingModule;
  /** The database: pass it to another openDataModule for a second API process on the same data. */
  uri: string;
  connection: Connection;
  close(): Promise<void>;
}

/**
 * Feature modules on a real database of their own (FerretDB or MONGODB_URI),
 * with every repository and adapter (DatabaseModule, IntegrationsModule) and
 * the indexes built, as the app builds them at start.
 */
export async function openDataModule(label: string, imports: ModuleMetadata['imports'], options: { uri?: string } = {}): Promise<DataModule> {
  const uri = options.uri ?? testDatabaseUri(label);
  const config = loadConfig({
    MONGODB_URI: uri,
    AUTH_ISSUERS: JSON.stringify([{ issuer: 'http://127.0.0.1:1/application/o/portal/', jwksUrl: 'http://127.0.0.1:1/application/o/portal/jwks/', audience: 'portal' }]),
    AUTH_AUDIENCE_PORTAL: 'portal',
    AUTH_AUDIENCE_OPERATOR: 'operator',
    AUTH_AUDIENCE_CI: 'ci',
    IDENTITY_API_URL: 'http://127.0.0.1:1',
    IDENTITY_API_TOKEN: 'unused',
    EDGE_SESSION_SECRET: 'edge-sessions-in-tests-are-signed-with-this',
  });
  const module = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), CommonModule.forRoot(), MongooseModule.forRoot(uri), DatabaseModule, IntegrationsModule, ...(imports ?? [])],
  }).compile();
  const connection = module.get<Connection>(getConnectionToken());
  await Promise.all(connection.modelNames().map((name) => connection.model(name).init()));
  return {
    module,
    uri,
    connection,
    close: async () => {
      await module.close();
      // The database belongs to the module that made it.
      if (!options.uri) await dropDatabase(uri);
    },
  };
}
