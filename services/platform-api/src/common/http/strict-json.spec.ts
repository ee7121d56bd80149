import { parseStrictJson } from './strict-json';

const refused = (text: string, depth = 16) => {
  const result = parseStrictJson(text, depth);
  return result.ok ? null : result.problem;
};

describe('parseStrictJson', () => {
  it('parses plain JSON, with nesting up to the limit', () => {
    expect(parseStrictJson('{"name":"Acme","rules":[{"type":"plans","plans":["free"]}]}', 16)).toEqual({
      ok: true,
      value: { name: 'Acme', rules: [{ type: 'plans', plans: ['free'] }] },
    });
    expect(parseStrictJson('[[[1]]]', 3)).toEqual({ ok: true, value: [[[1]]] });
  });

  it('refuses nesting beyond the limit without recursing, however deep', () => {
    expect(refused('[[[1]]]', 2)).toBe('The body is nested deeper than 2 levels');
    expect(refused('['.repeat(100_000) + ']'.repeat(100_000))).toBe('The body is nested deeper than 16 levels');
    expect(refused('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000))).toBe('The body is nested deeper than 16 levels');
  });

  it('refuses a key named twice in one object, escapes resolved', () => {
    expect(refused('{"name":"a","name":"b"}')).toBe('The body names "name" twice in one object');
    expect(refused('{"name":"a","n\\u0061me":"b"}')).toBe('The body names "name" twice in one object');
    expect(refused('{"a":{"x":1},"b":{"x":2}}')).toBeNull();
    expect(refused('[{"x":1},{"x":2}]')).toBeNull();
  });

  it('refuses the keys JavaScript reads as its own', () => {
    expect(refused('{"__proto__":{"admin":true}}')).toBe('The body has a key that is not accepted: __proto__');
    expect(refused('{"a":{"constructor":{"prototype":1}}}')).toBe('The body has a key that is not accepted: constructor');
    expect(refused('{"\\u005f_proto__":1}')).toBe('The body has a key that is not accepted: __proto__');
  });

  it('does not read brackets, commas or quotes inside strings as structure', () => {
    expect(parseStrictJson('{"name":"[{\\"name\\":1},{,"}', 1)).toEqual({ ok: true, value: { name: '[{"name":1},{,' } });
    expect(parseStrictJson('{"a":"x","b":["a","a"]}', 4)).toEqual({ ok: true, value: { a: 'x', b: ['a', 'a'] } });
  });

  it('says a broken body is not JSON', () => {
    for (const text of ['{', '{"a":', '{"a" 1}', '"unterminated', 'nope', '{"a":1}}', '']) {
      expect(refused(text)).toBe('The body is not valid JSON');
    }
  });
});
