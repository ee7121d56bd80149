import { loadConfig } from './config.js';
import { startDevIdp } from './server.js';

const config = loadConfig(process.env);
const idp = await startDevIdp(config);
const address = idp.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
process.stdout.write(`dev-idp listening on ${port}, issuers under ${config.origin}/application/o/\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void idp.close().then(() => process.exit(0));
  });
}
