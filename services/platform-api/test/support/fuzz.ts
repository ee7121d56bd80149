import fc from 'fast-check';

/**
 * Requests generated from the API's own OpenAPI document: for each operation,
 * path segments, query strings, bodies and headers that range from what the
 * schema describes to what no client should ever send.
 */

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  example?: unknown;
  nullable?: boolean;
};

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Express form: `/tenants/:slug`. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
}

export interface FuzzRequest {
  method: Operation['method'];
  path: string;
  query: string;
  /** undefined: no body at all. */
  body: string | undefined;
  headers: Record<string, string | string[]>;
  /** A short description for the failure report. */
  describe: string;
}

/** Every operation of the document, with its parameters and body schema resolved. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const resolve = (schema: Schema | undefined, depth = 0): Schema => {
    if (!schema) return {};
    if (schema.$ref && depth < 8) return resolve(document.components?.schemas?.[schema.$ref.split('/').pop()!], depth + 1);
    if (schema.allOf) return schema.allOf.reduce<Schema>((merged, part) => ({ ...merged, ...resolve(part, depth + 1), properties: { ...merged.properties, ...resolve(part, depth + 1).properties } }), {});
    const properties = schema.properties && Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, depth < 6 ? resolve(value, depth + 1) : value]));
    const items = schema.items && depth < 6 ? resolve(schema.items, depth + 1) : schema.items;
    return { ...schema, ...(properties ? { properties } : {}), ...(items ? { items } : {}) };
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const parameters = operation.parameters ?? [];
      operations.push({
        method: method as Operation['method'],
        path: path.replace(/\{([^}]+)\}/g, ':$1'),
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(p.schema) })),
        body: operation.requestBody?.content?.['application/json']?.schema ? resolve(operation.requestBody.content['application/json'].schema) : null,
      });
    }
  }
  return operations;
}

/** Strings an attacker tries first. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '   \t ',
  '$ne',
  '{"$gt":""}',
  '../../../etc/passwd',
  '..',
  '%00',
  '\u0000',
  'a\u0000b',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '😀'.repeat(50),
  'x'.repeat(10_000),
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '1e309',
  '0x1F',
  'null',
  'true',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, Number.MAX_SAFE_INTEGER, [], {}),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.anything({ maxDepth: 3 }),
  fc.record({ $ne: fc.constant(null) }),
);

/** A value shaped by `schema`, sometimes replaced by a hostile one. */
function valueOf(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const plain = ((): fc.Arbitrary<unknown> => {
    if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'string':
        return fc.oneof(
          ...(schema.example !== undefined ? [fc.constant(schema.example)] : []),
          schema.format === 'email' ? fc.emailAddress() : fc.string({ minLength: 1, maxLength: 30 }),
          fc.constantFrom('fuzz-tenant', 'Fuzz Name', 'https://fuzz.example', '#12abef', new Date(0).toISOString()),
        );
      case 'integer':
        return fc.integer({ min: -5, max: 200 });
      case 'number':
        return fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }));
      case 'boolean':
        return fc.boolean();
      case 'array':
        return depth > 4 ? fc.constant([]) : fc.array(valueOf(schema.items ?? {}, depth + 1), { maxLength: 4 });
      case 'object':
      default:
        if (schema.properties && depth <= 4) return objectOf(schema, depth + 1);
        return fc.anything({ maxDepth: 2 });
    }
  })();
  return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: hostileValue });
}

function objectOf(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const keys = Object.keys(properties);
  if (keys.length === 0) return fc.dictionary(fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 3 });
  return fc.record(Object.fromEntries(keys.map((key) => [key, valueOf(properties[key]!, depth)])), { requiredKeys: [] });
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A body for the operation: from its schema, bent out of shape, or no JSON at all. */
function bodyOf(operation: Operation): fc.Arbitrary<{ text: string | undefined; contentType: string | undefined; kind: string }> {
  const schema = operation.body ?? { type: 'object' };
  const json = (kind: string, value: fc.Arbitrary<unknown>) => value.map((v) => ({ text: JSON.stringify(v) ?? 'null', contentType: 'application/json', kind }));
  const raw = (kind: string, text: fc.Arbitrary<string>, contentType = 'application/json') => text.map((t) => ({ text: t, contentType, kind }));
  return fc.oneof(
    { weight: 6, arbitrary: json('from the schema', objectOf(schema, 0)) },
    { weight: 2, arbitrary: json('with an unknown field', fc.tuple(objectOf(schema, 0), fc.string({ minLength: 1, maxLength: 12 }), hostileValue).map(([body, key, value]) => ({ ...body, [`x${key}`]: value }))) },
    { weight: 2, arbitrary: json('any JSON', fc.jsonValue({ maxDepth: 4 })) },
    { weight: 1, arbitrary: raw('nested too deep', fc.integer({ min: 17, max: 3_000 }).map(nested)) },
    { weight: 1, arbitrary: raw('a key twice', fc.string({ minLength: 1, maxLength: 8 }).map((key) => `{${JSON.stringify(key)}:1,${JSON.stringify(key)}:2}`)) },
    { weight: 1, arbitrary: raw('a prototype key', fc.constantFrom('{"__proto__":{"platformAdmin":true}}', '{"constructor":{"prototype":{}}}', '{"a":{"__proto__":1}}')) },
    { weight: 1, arbitrary: raw('not JSON', fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('{', '{"a":', '[1,]', 'undefined', '\u0000'))) },
    { weight: 1, arbitrary: raw('over the size limit', fc.integer({ min: 101, max: 400 }).map((kb) => JSON.stringify({ name: 'x'.repeat(kb * 1024) }))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=z', 'application/json; charset=utf-16', 'application/xml').map((contentType) => ({
        text: 'name=fuzz&slug=fuzz',
        contentType,
        kind: `as ${contentType}`,
      })),
    },
    { weight: 1, arbitrary: fc.constant({ text: undefined, contentType: undefined, kind: 'no body' }) },
  );
}

/** A path segment: a real name, or one to trip the router. Encoded as a browser would, or not at all. */
function segmentOf(known: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(known) },
    { weight: 2, arbitrary: hostileString.map((s) => encodeURIComponent(s.slice(0, 300)) || 'x') },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%c0%ae', '%2e%2e', '%2F', '%00', 'a%20b', '..%2f..') },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
  );
}

function queryOf(operation: Operation): fc.Arbitrary<string> {
  const declared = operation.query.map((parameter) =>
    fc.option(valueOf(parameter.schema).map((value) => [parameter.name, typeof value === 'string' ? value : JSON.stringify(value)] as [string, string]), { nil: undefined }),
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(...declared).map((pairs) => new URLSearchParams(pairs.filter((pair): pair is [string, string] => pair !== undefined)).toString()) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('status[$ne]=active', 'page=1&page=2', 'pageSize=-1', 'pageSize=1e6', 'search=%', 'a[b][c]=1', '__proto__[x]=1', 'page=%zz', 'search=' + 'x'.repeat(3_000)),
    },
    { weight: 1, arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }).map((entries) => new URLSearchParams(entries).toString()) },
  );
}

/**
 * One request to `operation`, with the known names for its path parameters
 * and the caller's Authorization header (or none).
 */
export function requestOf(operation: Operation, known: Record<string, string>, authorization: string | undefined): fc.Arbitrary<FuzzRequest> {
  const segments = operation.pathParams.map((name) => segmentOf(known[name] ?? 'unknown'));
  const sends = operation.method !== 'get';
  return fc
    .record({
      segments: fc.tuple(...segments),
      query: queryOf(operation),
      body: sends ? bodyOf(operation) : fc.constant({ text: undefined, contentType: undefined, kind: 'no body' }),
      authorization: fc.oneof(
        { weight: 8, arbitrary: fc.constant(authorization ? [authorization] : []) },
        { weight: 1, arbitrary: fc.constantFrom<string[]>(['Bearer'], ['Bearer '], ['Basic dXNlcjpwYXNz'], ['Bearer a.b.c'], ['Bearer ' + 'x'.repeat(2_000)]) },
        { weight: 1, arbitrary: fc.constant(authorization ? [authorization, authorization] : ['Bearer a', 'Bearer b']) },
      ),
      requestId: fc.option(fc.oneof(fc.string({ maxLength: 80 }), fc.constant('valid-request-id-123')), { nil: undefined }),
      accept: fc.constantFrom('application/json', '*/*', 'text/html', 'image/png'),
    })
    .map(({ segments: values, query, body, authorization: auth, requestId, accept }) => {
      let index = 0;
      const path = operation.path.replace(/:([A-Za-z]+)/g, () => values[index++] ?? 'x');
      const headers: Record<string, string | string[]> = { accept };
      if (auth.length === 1) headers['authorization'] = auth[0]!;
      if (auth.length > 1) headers['authorization'] = [...auth];
      if (body.contentType) headers['content-type'] = body.contentType;
      if (requestId !== undefined) headers['x-request-id'] = requestId.replace(/[^\x20-\x7e]/g, '');
      const shown = body.text === undefined ? '' : ` body (${body.kind}): ${body.text.slice(0, 160)}`;
      return { method: operation.method, path, query, body: body.text, headers, describe: `${operation.method.toUpperCase()} ${path}${query ? `?${query.slice(0, 120)}` : ''}${shown}` };
    });
}
