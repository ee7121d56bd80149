// platform-api's built main.js in N worker processes that share one port,
// with Node's cluster module: `node bench/api/cluster.cjs N`, from
// services/platform-api (bench/platform.mjs starts it so). The primary
// accepts connections and hands each to a worker in turn; a kept-alive
// connection stays with its worker. SIGTERM to the primary ends every worker.
const cluster = require('node:cluster');
const { resolve } = require('node:path');

if (cluster.isPrimary) {
  const count = Number(process.argv[2]);
  if (!Number.isInteger(count) || count < 1) throw new Error('usage: node bench/api/cluster.cjs <processes>');
  let stopping = false;
  for (let i = 0; i < count; i += 1) cluster.fork();
  // A worker that dies outside a stop ends the whole API: the benchmark then fails, as it would with one process.
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(`platform-api worker ${worker.process.pid} exited (${signal ?? code}): stopping\n`);
      process.exitCode = 1;
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill('SIGTERM');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    });
  }
} else {
  require(resolve('dist/main.js'));
}
