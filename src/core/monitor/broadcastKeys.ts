// The keys an invalidation broadcast names. Messages are a key ("product:1"), several keys separated by commas or
// spaces, or JSON (a string, an array, an object whose values name keys): every string in them is a candidate,
// matched exactly, so "product:10" never stands for "product:1".
export function keysNamedIn(message: string): string[] {
  const text = message.trim();
  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('"')) {
    try {
      const found: string[] = [];
      collectStrings(JSON.parse(text), found, 0);
      return found;
    } catch {
      // Not JSON after all: read it as words.
    }
  }
  return text.split(/[\s,;]+/).filter(Boolean);
}

/** Every string in a parsed JSON value, bounded in depth and count (a broadcast is small; a hostile one is not). */
function collectStrings(value: unknown, out: string[], depth: number): void {
  if (out.length >= 10_000 || depth > 32) return;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out, depth + 1);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, out, depth + 1);
}
