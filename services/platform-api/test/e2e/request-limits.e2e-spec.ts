import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAppWithTestIssuer, tokens } from '../support/app';

/**
 * Hostile bodies and headers are answered with a coded 4xx and a request id,
 * before any route runs, and store nothing.
 */
describe('request limits', () => {
  let t: Awaited<ReturnType<typeof startAppWithTestIssuer>>;
  let owner: string;

  beforeAll(async () => {
    t = await startAppWithTestIssuer('request_limits');
    owner = await tokens(t.issuer).portal('lena');
  });
  afterAll(() => t.close());

  const tenantCount = async () => (await t.http().get('/tenants').set('authorization', `Bearer ${owner}`).expect(200)).body.total as number;
  const postTenant = (body: string, contentType = 'application/json', withToken = true) => {
    const req = t.http().post('/tenants').set('content-type', contentType);
    return (withToken ? req.set('authorization', `Bearer ${owner}`) : req).send(body);
  };
  const expectRefused = (response: { status: number; body: Record<string, unknown> }, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
    expect(response.body['requestId']).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
  };

  it.each([
    ['100 KB', 100 * 1024 + 1],
    ['1 MB', 1024 * 1024],
    ['5 MB', 5 * 1024 * 1024],
  ])('answers 413 with a request id to a %s body, with or without a token', async (_size, bytes) => {
    const body = JSON.stringify({ slug: 'big-body', name: 'x'.repeat(bytes) });
    expectRefused(await postTenant(body), 413, 'PAYLOAD_TOO_LARGE');
    expectRefused(await postTenant(body, 'application/json', false), 413, 'PAYLOAD_TOO_LARGE');
    expect(await tenantCount()).toBe(0);
  });

  it('answers 413 to a body sent in chunks without a length once it passes the limit', async () => {
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const answer = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpRequest({ port, method: 'POST', path: '/tenants', headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.write('{"slug":"chunked","name":"');
      for (let sent = 0; sent < 200; sent += 1) req.write('y'.repeat(1024));
      req.end('"}');
    });
    expectRefused(answer, 413, 'PAYLOAD_TOO_LARGE');
    expect(await tenantCount()).toBe(0);
  });

  it.each([5_000, 10_000])('answers 400 to JSON nested %i levels deep, even without a token', async (depth) => {
    const deepArray = `{"slug":"deep","name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    for (const body of [deepArray, deepObject]) {
      const response = await postTenant(body, 'application/json', false);
      expectRefused(response, 400, 'VALIDATION_FAILED');
      expect(response.body['message']).toBe('The body is nested deeper than 16 levels');
    }
  });

  it('answers 400 to a key named twice, instead of letting the last one win', async () => {
    const response = await postTenant('{"slug":"twice-a","name":"A","slug":"twice-b"}');
    expectRefused(response, 400, 'VALIDATION_FAILED');
    expect(response.body['message']).toBe('The body names "slug" twice in one object');
    expect(await tenantCount()).toBe(0);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('answers 400 to a %s key instead of dropping it', async (key) => {
    const response = await postTenant(`{"slug":"proto","name":"P","${key}":{"platformAdmin":true}}`);
    expectRefused(response, 400, 'VALIDATION_FAILED');
    expect(response.body['message']).toBe(`The body has a key that is not accepted: ${key}`);
  });

  it('answers 400 to a name of only whitespace', async () => {
    const response = await postTenant(JSON.stringify({ slug: 'blank-name', name: ' \t  ' }));
    expectRefused(response, 400, 'VALIDATION_FAILED');
    expect(response.body['fields']).toEqual({ name: ['name must not be blank'] });
    expect(await tenantCount()).toBe(0);
  });

  it.each(['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1'])(
    'answers 415 to a %s body on a JSON route',
    async (contentType) => {
      expectRefused(await postTenant('slug=form-body&name=Form', contentType), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await tenantCount()).toBe(0);
    },
  );

  it('takes JSON with a UTF-8 charset, and a POST without a body', async () => {
    await postTenant(JSON.stringify({ slug: 'utf-eight', name: 'Ünïcode' }), 'application/json; charset=UTF-8').expect(201);
    expect((await t.http().post('/tenants').set('authorization', `Bearer ${owner}`)).status).toBe(400);
  });

  it('answers 400 to two Authorization headers, without using either', async () => {
    // supertest types one value per header; Node's client sends each value of an array as a header line of its own.
    const response = await t.http().get('/users/me').set('authorization', [`Bearer ${owner}`, 'Bearer another'] as unknown as string);
    expectRefused(response, 400, 'VALIDATION_FAILED');
    expect(response.body['message']).toBe('The request has more than one Authorization header');
  });

  it('puts the request id in every error answer: unknown routes, refused tokens and validation', async () => {
    expectRefused(await t.http().get('/no-such-route'), 404, 'NOT_FOUND');
    expectRefused(await t.http().get('/users/me'), 401, 'UNAUTHENTICATED');
    const response = await t.http().get('/users/me').set('x-request-id', 'trace-me-12345');
    expect(response.body['requestId']).toBe('trace-me-12345');
    expect(response.headers['x-request-id']).toBe('trace-me-12345');
  });
});
