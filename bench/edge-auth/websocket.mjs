// A WebSocket upstream and client for the edge benchmark, with no library:
// the handshake (RFC 6455, section 4) and one unmasked text frame from the
// server, which is all a measurement of the upgrade path needs.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * The upstream, in its own process (not in the one driving the load): it
 * answers plain HTTP with a small page, accepts every upgrade and greets it
 * with one text frame naming who the edge said is there.
 */
export function serveUpstream() {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Tessera workspace</title><h1>Your Tessera workspace is running</h1>\n'));
  server.on('upgrade', (req, socket) => {
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}${GUID}`).digest('base64');
    const who = String(req.headers['x-tessera-email'] ?? req.headers['x-auth-request-email'] ?? 'nobody');
    const text = Buffer.from(`hello ${who}`.slice(0, 125));
    socket.on('error', () => undefined);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
    // The client closes; an idle socket is not kept past a second.
    socket.setTimeout(1000, () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
}

/** Starts serveUpstream() as a child process; answers its port, pid and a stop. */
export async function startWebSocketUpstream() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import { serveUpstream } from ${JSON.stringify(import.meta.url)}; serveUpstream();`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return {
    port: Number(String(line).trim()),
    pid: child.pid,
    close: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))),
  };
}

/**
 * One WebSocket opened on `port` for `host` and closed again: the status of
 * the answer, the first text frame (on 101) and the ms from the request to
 * that frame. A new TCP connection each time, as a browser opens a socket.
 */
export function openWebSocket(port, host, headers = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const key = randomBytes(16).toString('base64');
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/socket',
      agent: false,
      headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key, ...headers },
    });
    req.on('upgrade', (res, socket, head) => {
      const expected = createHash('sha1').update(`${key}${GUID}`).digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        return reject(new Error('the handshake answer does not match the key'));
      }
      const read = (frame) => {
        const ms = performance.now() - started;
        socket.destroy();
        resolve({ status: res.statusCode, message: frame.subarray(2, 2 + (frame[1] & 0x7f)).toString('utf8'), ms });
      };
      // The first frame may arrive with the 101 answer itself.
      if (head.length > 0) read(head);
      else socket.once('data', read);
    });
    req.on('response', (res) => (res.resume(), resolve({ status: res.statusCode, ms: performance.now() - started })));
    req.on('error', reject).end();
  });
}

/**
 * Opens WebSockets from `connections` clients at once, each opening the next
 * as soon as its last one answered, for `seconds`: opened per second, and the
 * p50/p99 of each open (request to first frame). Any refusal fails the run.
 */
export async function websocketLoad(port, host, headers, connections, seconds) {
  const times = [];
  const deadline = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const answer = await openWebSocket(port, host, headers);
      if (answer.status !== 101) throw new Error(`WebSocket to ${host}: ${answer.status}`);
      times.push(answer.ms);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, client));
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  return { perSecond: times.length / elapsed, seconds: elapsed, total: times.length, p50: at(50), p99: at(99) };
}
