import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * Test servers for the optional provisioning steps, answering with the
 * documented shapes of the real APIs: Stalwart's REST management API
 * (`/api/principal`, v0.15) and ownCloud Infinite Scale's libregraph drives
 * (`/graph/v1.0/drives`). Both want a bearer token and keep state in memory.
 */
abstract class JsonTestServer {
  readonly requests: { method: string; path: string; authorization: string | undefined }[] = [];
  private server: Server | null = null;
  origin = '';

  constructor(readonly token: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  protected abstract handle(method: string, url: URL, body: unknown): { status: number; body: unknown };
  protected abstract unauthorized(): unknown;

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.origin);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, authorization: req.headers.authorization });
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, this.unauthorized());
    let body: unknown;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
    } catch {
      return send(400, { error: 'invalid JSON' });
    }
    const answer = this.handle(req.method ?? 'GET', url, body);
    send(answer.status, answer.body);
  }
}

export class StalwartTestServer extends JsonTestServer {
  readonly principals = new Map<string, { id: number; type: string; name: string; description: string }>();
  private nextId = 1;

  protected unauthorized() {
    return { type: 'about:blank', status: 401, title: 'Unauthorized', detail: 'You have to authenticate first.' };
  }

  protected handle(method: string, url: URL, body: unknown) {
    const notFound = { status: 404, body: { type: 'about:blank', status: 404, title: 'Not Found', detail: 'The requested resource does not exist on this server.' } };
    const match = /^\/api\/principal(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return notFound;
    const name = match[1] ? decodeURIComponent(match[1]) : undefined;
    if (method === 'GET' && name) {
      const principal = this.principals.get(name);
      return principal ? { status: 200, body: { data: { ...principal, quota: 0, secrets: [], emails: [], roles: [], lists: [] } } } : notFound;
    }
    if (method === 'POST' && !name) {
      const input = body as { type?: string; name?: string; description?: string };
      if (!input?.name || !input.type) return { status: 400, body: { type: 'about:blank', status: 400, title: 'Invalid parameters', detail: 'Missing name or type' } };
      if (this.principals.has(input.name)) {
        return { status: 400, body: { type: 'about:blank', status: 400, title: 'Field already exists', detail: 'Another record exists with this name.', error: 'fieldAlreadyExists', field: 'name', value: input.name } };
      }
      const id = this.nextId++;
      this.principals.set(input.name, { id, type: input.type, name: input.name, description: input.description ?? '' });
      return { status: 200, body: { data: id } };
    }
    if (method === 'DELETE' && name) {
      return this.principals.delete(name) ? { status: 200, body: { data: null } } : notFound;
    }
    return notFound;
  }
}

export interface OcisDrive {
  id: string;
  name: string;
  description: string;
  driveType: 'project' | 'personal';
  quota: { total: number; used: number; remaining: number; state: string };
}

export class OcisTestServer extends JsonTestServer {
  readonly drives = new Map<string, OcisDrive>();

  protected unauthorized() {
    return { error: { code: 'unauthenticated', message: 'Unauthorized' } };
  }

  /** Removes a drive behind the platform's back (drift). */
  removeByName(name: string): void {
    for (const [id, drive] of this.drives) if (drive.name === name) this.drives.delete(id);
  }

  protected handle(method: string, url: URL, body: unknown) {
    if (url.pathname !== '/graph/v1.0/drives') return { status: 404, body: { error: { code: 'itemNotFound', message: 'not found' } } };
    if (method === 'GET') {
      const filter = url.searchParams.get('$filter');
      const type = /^driveType eq '(\w+)'$/.exec(filter ?? '')?.[1];
      return { status: 200, body: { value: [...this.drives.values()].filter((d) => !type || d.driveType === type) } };
    }
    if (method === 'POST') {
      const input = body as { name?: string; description?: string; quota?: { total?: number } };
      if (!input?.name) return { status: 400, body: { error: { code: 'invalidRequest', message: 'invalid name' } } };
      const total = input.quota?.total ?? 0;
      const drive: OcisDrive = { id: `storage-users-1$${randomUUID()}`, name: input.name, description: input.description ?? '', driveType: 'project', quota: { total, used: 0, remaining: total, state: 'normal' } };
      this.drives.set(drive.id, drive);
      return { status: 201, body: drive };
    }
    return { status: 405, body: { error: { code: 'notAllowed', message: 'method not allowed' } } };
  }
}
