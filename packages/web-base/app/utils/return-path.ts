/**
 * A page of this app to return to, or null: a path that starts with one `/`.
 * Anything a browser could read as another site is refused: `//host`, and
 * `/\host`, which browsers treat as `//host` in a redirect's Location, as well
 * as control characters (a tab or newline inside `/\t/host` is dropped by the
 * URL parser).
 */
export function returnPathOf(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/')) return null;
  if (value[1] === '/' || value[1] === '\\' || [...value].some(isControl)) return null;
  return value;
}

function isControl(character: string): boolean {
  const code = character.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}
