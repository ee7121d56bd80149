/**
 * JSON as the API accepts it: at most `maxDepth` nested objects and arrays,
 * no key twice in one object, and none of the keys JavaScript gives a meaning
 * of their own (`__proto__`, `constructor`, `prototype`).
 *
 * The structure is checked by one loop over the text before JSON.parse runs,
 * so a body nested ten thousand levels deep is refused without recursing and
 * a duplicate key is refused instead of the last value silently winning.
 */
export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; problem: string };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface Frame {
  object: boolean;
  keys: Set<string>;
  /** In an object: the next string is a key (after `{` or `,`). */
  expectKey: boolean;
}

export function parseStrictJson(text: string, maxDepth: number): StrictJsonResult {
  const stack: Frame[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '{' || char === '[') {
      if (stack.length >= maxDepth) return { ok: false, problem: `The body is nested deeper than ${maxDepth} levels` };
      stack.push({ object: char === '{', keys: new Set(), expectKey: char === '{' });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    } else if (char === '"') {
      const end = endOfString(text, index);
      if (end < 0) break; // unterminated: JSON.parse says so below
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        const key = decodeKey(text.slice(index, end + 1));
        if (key === null) break;
        if (FORBIDDEN_KEYS.has(key)) return { ok: false, problem: `The body has a key that is not accepted: ${key}` };
        if (top.keys.has(key)) return { ok: false, problem: `The body names "${key}" twice in one object` };
        top.keys.add(key);
        top.expectKey = false;
      }
      index = end;
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: 'The body is not valid JSON' };
  }
}

/** The index of the quote that closes the string opening at `start`, or -1. */
function endOfString(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') index += 1;
    else if (char === '"') return index;
  }
  return -1;
}

/** A key with its escapes resolved (`"\u005f_proto__"` is `__proto__`), or null when it is not a valid string. */
function decodeKey(quoted: string): string | null {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return null;
  }
}
