// unleash-server as its own process, as it is run for real (its Docker image
// runs the same `start`). The package comes from the npm registry into
// .tools/unleash-server-<version>/ (scripts/lib.sh ensure_unleash); its folder
// is UNLEASH_SERVER_DIR. Settings come from the environment (see unleash.mjs).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.UNLEASH_SERVER_DIR, 'package.json'));
const unleash = require('unleash-server');
await unleash.start({
  db: { host: '127.0.0.1', port: Number(process.env.DATABASE_PORT), user: process.env.DATABASE_USERNAME, password: '', database: 'postgres', ssl: false },
  server: { port: Number(process.env.UNLEASH_PORT), host: '127.0.0.1' },
  versionCheck: { enable: false },
  telemetry: false,
});
