import { getConnectionToken } from '@nestjs/mongoose';
import { ERROR_CODES } from '@tessera/contracts';
import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { caller, startAppWithDevIdp } from '../support/app';
import { operationsOf, requestOf, type FuzzRequest, type Operation } from '../support/fuzz';

/**
 * Property-based fuzzing of every route, for every kind of caller of the
 * authorization matrix, from the API's own OpenAPI document: malformed,
 * oversized and hostile bodies, path segments and query strings of every
 * kind, header variants. Whatever is sent:
 * - the answer is never a 5xx;
 * - every 4xx has the coded error shape and a request id;
 * - a refused request stores nothing: every collection counts the same after.
 *
 * CI runs a fixed seed; FUZZ_SEED and FUZZ_RUNS (requests per route and
 * caller, default 2) make a longer or another run, FUZZ_ONLY (a pattern of
 * `METHOD /path`) a narrower one.
 */
jest.setTimeout(15 * 60_000);

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_130);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2);
const CALLERS = ['anonymous', 'customer', 'partner', 'operator', 'operatorTokenNotAdmin', 'ci'] as const;
/** Locks that exist only while a reconcile runs: not state a request stores. */
const TRANSIENT_COLLECTIONS = new Set(['provisioning_leases']);

describe('fuzzing every route from the OpenAPI document', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  let operations: Operation[];
  const known: Record<string, string> = { slug: 'fuzz-a', partner: 'fuzz-p', key: 'fuzz-flag' };
  let counts: Map<string, number>;

  const countAll = async (): Promise<Map<string, number>> => {
    const connection = t.app.get<Connection>(getConnectionToken());
    const names = (await connection.db!.listCollections().toArray()).map((c) => c.name).filter((name) => !TRANSIENT_COLLECTIONS.has(name));
    const entries = await Promise.all(names.map(async (name) => [name, await connection.db!.collection(name).countDocuments()] as const));
    return new Map(entries.filter(([, count]) => count > 0));
  };

  beforeAll(async () => {
    t = await startAppWithDevIdp('fuzz');
    const call = caller(t, bearer);
    const person = async (name: string, username: string, app: 'portal' | 'operator', groups: string[] = []) => {
      await t.idp.createPerson(username, { groups });
      bearer[name] = await t.idp.accessToken(username, app);
    };
    await person('operator', 'opal', 'operator', ['platform-admins']);
    await person('operatorTokenNotAdmin', 'nadia', 'operator');
    await person('customer', 'amy', 'portal');
    bearer['ci'] = await t.idp.machineToken();
    await call('post', '/partners', 'operator', { slug: 'fuzz-p', name: 'Fuzz Partner' }).expect(201);
    await call('post', '/tenants', 'customer', { slug: 'fuzz-a', name: 'Fuzz A' }).expect(201);
    await call('put', '/tenants/fuzz-a/partner', 'operator', { partner: 'fuzz-p' }).expect(200);
    await call('post', '/flags', 'operator', { key: 'fuzz-flag', description: 'Fuzzed', owner: 'fuzz@example.test' }).expect(201);
    await person('partner', 'pam', 'portal', ['partner:fuzz-p:admin']);
    // Each caller is seen once before fuzzing: a person's first request records them (sign-in), which is not what is fuzzed.
    for (const who of ['operator', 'operatorTokenNotAdmin', 'customer', 'partner']) await call('get', '/users/me', who).expect(200);
    known['userId'] = (await call('get', '/users/me', 'customer').expect(200)).body.id;
    known['id'] = known['userId']!;
    known['domain'] = 'shop.fuzz.example';

    const document = await t.http().get('/docs-json').expect(200);
    operations = operationsOf(document.body);
    counts = await countAll();
  });
  afterAll(() => t.close());

  const send = (fuzzed: FuzzRequest) => {
    const url = `${fuzzed.path}${fuzzed.query ? `?${fuzzed.query}` : ''}`;
    let req = request(t.app.getHttpServer())[fuzzed.method](url);
    for (const [name, value] of Object.entries(fuzzed.headers)) req = req.set(name, value as string);
    return (fuzzed.body === undefined ? req : req.send(fuzzed.body)).buffer(true).parse(readAnswer);
  };

  /**
   * The body as JSON (or text); a stream that stays open (live events, a
   * followed log) is judged by its status and headers, then closed.
   */
  const readAnswer = (answer: request.Response, done: (error: Error | null, body: unknown) => void) => {
    // In Node, superagent hands a parser the response stream itself.
    const res = answer as unknown as IncomingMessage;
    if (String(res.headers['content-type'] ?? '').includes('text/event-stream')) {
      done(null, {});
      res.destroy();
      return;
    }
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => {
      try {
        done(null, text ? JSON.parse(text) : {});
      } catch {
        done(null, text);
      }
    });
  };

  it('reads every route from the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((operation) => operation.method !== 'get').length).toBeGreaterThan(25);
  });

  it('never answers 5xx, answers every 4xx with the coded shape and a request id, and stores nothing it refuses', async () => {
    const failures: string[] = [];
    const only = process.env['FUZZ_ONLY'] ? new RegExp(process.env['FUZZ_ONLY']) : null;
    for (const operation of operations.filter((candidate) => !only || only.test(`${candidate.method.toUpperCase()} ${candidate.path}`))) {
      for (const who of CALLERS) {
        const authorization = who === 'anonymous' ? undefined : `Bearer ${bearer[who]}`;
        await fc.assert(
          fc.asyncProperty(requestOf(operation, known, authorization), async (fuzzed) => {
            const response = await send(fuzzed);
            const problem = await judge(fuzzed, response.status, response.body as Record<string, unknown>, response.headers['content-type']);
            if (problem) throw new Error(`${who} ${fuzzed.describe} → ${response.status}: ${problem}`);
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        ).catch((error: unknown) => {
          // fast-check's report holds the whole counterexample (tokens included); keep our one line and the replay path.
          const message = error instanceof Error ? error.message : String(error);
          const lines = message.split('\n');
          const thrown = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
          const cause = [thrown, ...lines].find((line) => line.includes(' → ')) ?? (thrown || lines.slice(-3).join(' '));
          const replay = /\{ seed: .*?\}/.exec(message)?.[0] ?? '';
          failures.push(`${operation.method.toUpperCase()} ${operation.path} as ${who}: ${cause.replace(/Bearer [\w.-]+/g, 'Bearer …').slice(0, 600)} ${replay}`);
        });
      }
    }
    expect(failures).toEqual([]);
  });

  /** What is wrong with an answer, or null; keeps the collection counts up to date. */
  async function judge(fuzzed: FuzzRequest, status: number, body: Record<string, unknown>, contentType: string | undefined): Promise<string | null> {
    if (status >= 500) return `a server error: ${JSON.stringify(body).slice(0, 200)}`;
    const after = await countAll();
    if (status < 400) {
      counts = after; // allowed and done: the new state is the baseline
      return null;
    }
    // The edge answers a browser with a page of its own (Traefik shows it to the visitor); JSON to anyone else.
    const browserAtTheEdge = fuzzed.path === '/edge/auth' && fuzzed.headers['accept'] === 'text/html';
    if (browserAtTheEdge && contentType?.includes('text/html')) return null;
    if (!contentType?.includes('application/json')) return `a ${status} answered as ${contentType ?? 'nothing'}, not as a coded error`;
    if (body['statusCode'] !== status || !(ERROR_CODES as readonly unknown[]).includes(body['code']) || typeof body['message'] !== 'string') {
      return `not the coded error shape: ${JSON.stringify(body).slice(0, 200)}`;
    }
    if (typeof body['requestId'] !== 'string' || body['requestId'].length === 0) return 'no request id';
    const changed = [...new Set([...counts.keys(), ...after.keys()])].filter((name) => counts.get(name) !== after.get(name));
    if (changed.length > 0) {
      const report = changed.map((name) => `${name} ${counts.get(name) ?? 0} → ${after.get(name) ?? 0}`).join(', ');
      counts = after;
      return `refused, yet stored something: ${report}`;
    }
    return null;
  }
});
