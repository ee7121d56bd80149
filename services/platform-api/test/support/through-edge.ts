import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';

/** An answer through the edge, read whole. */
export interface EdgeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Requests through a real Traefik on loopback, addressed by Host as a
 * browser's would be: a page (`get`) and a WebSocket handshake (`websocket`,
 * the accept key checked, answering the first text frame or the refusal's
 * status). `port` is read at each call, so a suite can start Traefik later.
 */
export function throughEdge(port: () => number) {
  const get = (host: string, path = '/', headers: Record<string, string> = {}) =>
    new Promise<EdgeAnswer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: port(), path, headers: { host: `${host}:${port()}`, accept: 'text/html', ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject).end();
    });

  const websocket = (host: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; message?: string }>((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const req = request({
        host: '127.0.0.1',
        port: port(),
        path,
        headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key, ...headers },
      });
      req.on('upgrade', (res, socket, head: Buffer) => {
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        if (res.headers['sec-websocket-accept'] !== accept) {
          socket.destroy();
          reject(new Error(`wrong Sec-WebSocket-Accept: ${String(res.headers['sec-websocket-accept'])}`));
          return;
        }
        const read = (frame: Buffer) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, message: frame.subarray(2, 2 + (frame[1]! & 0x7f)).toString('utf8') });
        };
        // The first frame may arrive with the 101 answer itself.
        if (head.length > 0) read(head);
        else socket.once('data', read);
      });
      req.on('response', (res) => (res.resume(), resolve({ status: res.statusCode ?? 0 })));
      req.on('error', reject).end();
    });

  return { get, websocket };
}
