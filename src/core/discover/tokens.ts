// A key cut into its parts: separators, words, and the values that look like ids (integers, UUIDs, hex, dates,
// random tokens). The parts that vary between keys of one family are what templates put placeholders on.

export type IdKind = 'int' | 'uuid' | 'hex' | 'date' | 'token';
export type TokenKind = IdKind | 'word' | 'sep';

export interface Token {
  kind: TokenKind;
  text: string;
}

/** Separate parts; `{` and `}` too, so a hash tag stays in the template as it is. */
const STRONG = /[:/{}|#=,;\s]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::?\d{2}){0,2}(?:\.\d+)?Z?)?$/;
/** Inside a part: a UUID or a date is one piece; other pieces are split on `.`, `-` and `_`. */
const PIECES = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d{2}-\d{2}|[^._-]+|[._-]/gi;

/** What one part of a key is: an id of some kind, or a word. */
export function idKind(text: string): IdKind | null {
  if (/^\d+$/.test(text)) return 'int';
  if (UUID.test(text)) return 'uuid';
  if (DATE.test(text)) return 'date';
  if (text.length >= 12 && (/^[0-9a-f]+$/.test(text) || /^[0-9A-F]+$/.test(text)) && /\d/.test(text)) return 'hex';
  if (text.length >= 16 && /^[A-Za-z0-9_-]+$/.test(text) && /\d/.test(text) && /[A-Za-z]/.test(text)) return 'token';
  return null;
}

/** The key's parts in order; joined, their texts give the key back. */
export function tokenize(key: string): Token[] {
  const out: Token[] = [];
  let start = 0;
  for (let i = 0; i <= key.length; i += 1) {
    if (i < key.length && !STRONG.test(key[i]!)) continue;
    if (i > start) part(key.slice(start, i), out);
    if (i < key.length) out.push({ kind: 'sep', text: key[i]! });
    start = i + 1;
  }
  return out;
}

function part(text: string, out: Token[]): void {
  const whole = wholeKind(text);
  if (whole) {
    out.push({ kind: whole, text });
    return;
  }
  const pieces = text.match(PIECES) ?? [text];
  const kinds = pieces.map((p) => (/^[._-]$/.test(p) ? 'sep' : (idKind(p) ?? 'word')));
  // Split where the part is words and ids joined ("user_42", "session-<uuid>"); a random token that happens to
  // hold a "-7-" stays one token, and a word with no id inside ("product-detail") stays one word.
  const joined =
    kinds.some((k) => k === 'uuid' || k === 'date' || k === 'hex') ||
    (kinds.includes('int') && pieces.some((p, i) => kinds[i] === 'word' && /^[A-Za-z]+$/.test(p)));
  if (joined) for (const [i, p] of pieces.entries()) out.push({ kind: kinds[i] as TokenKind, text: p });
  else out.push({ kind: idKind(text) ?? 'word', text });
}

/** Ids that are never a word and an id joined: integers, UUIDs, dates, hex. */
function wholeKind(text: string): IdKind | null {
  const k = idKind(text);
  return k === 'token' ? null : k;
}
