// Cached values as Redis returned them (bytes), decoded into something fields can be read from.

export type Encoding = 'json' | 'hash';

/** One key as read from Redis: its type, TTL and value (a string's bytes, or a hash's fields). */
export interface CacheRead {
  key: string;
  /** Redis TYPE: string, hash, none (gone), ... */
  type: string;
  /** PTTL in ms: -1 no expiry, -2 missing. */
  pttl: number;
  /** STRLEN for strings (known even when the value was too big to fetch). */
  size: number | null;
  value: Buffer | null;
  hash: Map<string, Buffer> | null;
}

export type Decoded = { ok: true; encoding: Encoding; get(path: string): unknown } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Reads a JSON string value or a hash; `expected` (from the mapping) rejects the other kind. */
export function decodeEntry(read: CacheRead, expected: Encoding | 'auto'): Decoded {
  if (read.type === 'hash' && read.hash) {
    if (expected === 'json') return { ok: false, reason: 'is a hash, the mapping expects a JSON string' };
    const hash = read.hash;
    return { ok: true, encoding: 'hash', get: (field) => decodeField(hash.get(field)) };
  }
  if (read.type !== 'string' || !read.value) return { ok: false, reason: `is a Redis ${read.type}, not a JSON string or a hash` };
  if (expected === 'hash') return { ok: false, reason: 'is a string, the mapping expects a hash' };
  // toString() is the fast path; it marks invalid bytes with U+FFFD, and only then is the strict decoder asked.
  const text = read.value.toString('utf8');
  if (text.includes('\uFFFD') && !isUtf8(read.value)) return { ok: false, reason: 'is not valid UTF-8 (binary or another encoding)' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const why = err instanceof RangeError ? 'nested too deeply' : 'not JSON';
    return { ok: false, reason: `is ${why}` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: 'is JSON but not an object' };
  return { ok: true, encoding: 'json', get: (path) => readPath(doc, path) };
}

/** "meta.version" -> doc.meta.version; a field whose own name contains a dot is found too. */
export function readPath(doc: unknown, path: string): unknown {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const obj = doc as Record<string, unknown>;
  if (path in obj) return obj[path];
  const dot = path.indexOf('.');
  if (dot === -1) return undefined;
  return readPath(obj[path.slice(0, dot)], path.slice(dot + 1));
}

function decodeField(v: Buffer | undefined): string | undefined {
  if (v === undefined) return undefined;
  try {
    return utf8.decode(v);
  } catch {
    return v.toString('latin1');
  }
}
