/**
 * The query clause behind every list's `search`: the start of the slug or
 * any part of the name, case-insensitively. The text is escaped, so it is
 * matched literally and never read as a pattern.
 */
export function slugOrNameMatches(search: string): { $or: Record<string, unknown>[] } {
  const escaped = search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { $or: [{ slug: { $regex: `^${escaped}`, $options: 'i' } }, { name: { $regex: escaped, $options: 'i' } }] };
}
