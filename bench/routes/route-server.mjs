// The route source for Traefik's HTTP provider, standing in for the endpoint
// platform-api would serve from its database: a process holding the tenants'
// routes in memory (and in a state file, standing in for the database, so a
// restarted server serves what it had), serving the whole dynamic
// configuration as JSON.
//
//   GET    /traefik/dynamic-configuration  the document (ETag; 304 on If-None-Match; gzip when asked)
//   PUT    /routes/<slug>                  one route (a RouteSpec as JSON)
//   POST   /routes                         many routes (a JSON array), in one change
//   DELETE /routes/<slug>
//   GET    /stats                          what it served
//
// The document is rendered once per change and kept as bytes (plain and gzip),
// so a poll costs a write of cached bytes. It never serves a document it has
// not loaded completely: the state file is read before it listens.
//
// Usage: node route-server.mjs --port P --state FILE --edge '<EdgeSettings JSON>'
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { dynamicConfiguration } from './traefik-routes.mjs';

const { values: args } = parseArgs({ options: { port: { type: 'string' }, state: { type: 'string' }, edge: { type: 'string' } } });
const edge = JSON.parse(args.edge);
const routes = new Map(existsSync(args.state) ? JSON.parse(readFileSync(args.state, 'utf8')).map((spec) => [spec.slug, spec]) : []);
const stats = { polls: 0, notModified: 0, gzipped: 0, bytesSent: 0, renders: 0, renderMs: 0, bodyBytes: 0, gzipBytes: 0 };
let document = null;

function render() {
  const started = performance.now();
  const body = Buffer.from(JSON.stringify(dynamicConfiguration(routes.values(), edge)));
  const gzip = gzipSync(body, { level: 6 });
  document = { body, gzip, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  stats.renders += 1;
  stats.renderMs = performance.now() - started;
  stats.bodyBytes = body.length;
  stats.gzipBytes = gzip.length;
  return document;
}

function changed() {
  document = null;
  const temp = `${args.state}.tmp`;
  writeFileSync(temp, JSON.stringify([...routes.values()]));
  renameSync(temp, args.state);
}

const readJson = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
  });

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://route-server');
  try {
    if (req.method === 'GET' && url.pathname === '/traefik/dynamic-configuration') {
      const current = document ?? render();
      stats.polls += 1;
      if (req.headers['if-none-match'] === current.etag) {
        stats.notModified += 1;
        res.writeHead(304, { etag: current.etag }).end();
        return;
      }
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const bytes = gzip ? current.gzip : current.body;
      if (gzip) stats.gzipped += 1;
      stats.bytesSent += bytes.length;
      res.writeHead(200, { 'content-type': 'application/json', etag: current.etag, 'cache-control': 'no-cache', 'content-length': bytes.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      res.end(bytes);
      return;
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/routes/')) {
      const spec = await readJson(req);
      routes.set(spec.slug, spec);
      changed();
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/routes') {
      for (const spec of await readJson(req)) routes.set(spec.slug, spec);
      changed();
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'DELETE' && url.pathname.startsWith('/routes/')) {
      routes.delete(decodeURIComponent(url.pathname.slice('/routes/'.length)));
      changed();
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...stats, routes: routes.size }));
      return;
    }
    res.writeHead(404).end();
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
  }
});
server.listen(Number(args.port), '127.0.0.1', () => process.stdout.write('listening\n'));
