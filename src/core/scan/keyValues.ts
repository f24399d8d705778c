// Key text -> values for the table's key columns, checked before they reach SQL: one bad key must not fail a whole
// batch with a cast error, and a key's text never becomes SQL (it is bound as a parameter and cast there).
import type { Mapping } from './mapping.js';

const INT_RANGE: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const TEXT_TYPES = ['text', 'character varying', 'citext', 'character', 'name'];

/** Whether PostgreSQL can cast this key text to a column of `type` (as format_type() names it). */
export function fitsKeyType(text: string, type: string): boolean {
  const base = type.replace(/\(.*\)$/, '').trim();
  const range = INT_RANGE[base];
  if (range) {
    // Plain digits that cannot overflow: the common case, decided without a BigInt.
    if (/^-?[1-9]\d{0,8}$/.test(text) || text === '0') return true;
    if (!/^-?\d{1,20}$/.test(text)) return false;
    const n = BigInt(text);
    return n >= range[0] && n <= range[1];
  }
  if (base === 'uuid') return UUID.test(text);
  if (base === 'numeric') return /^-?\d+(\.\d+)?$/.test(text);
  // Text of any kind, but PostgreSQL text cannot hold NUL.
  return !text.includes('\u0000');
}

/** Whether keys can map to a column of this type at all (scan refuses mappings whose key columns it cannot bind). */
export function isSupportedKeyType(type: string): boolean {
  const base = type.replace(/\(.*\)$/, '').trim();
  return base in INT_RANGE || base === 'uuid' || base === 'numeric' || TEXT_TYPES.includes(base);
}

const separatorCache = new WeakMap<object, Set<string>>();

/** The punctuation of the template's literal text (":" in "product:{id}"). */
function separatorsOf(mapping: Mapping): Set<string> {
  let s = separatorCache.get(mapping.template);
  if (!s) {
    s = new Set([...mapping.template.literals.join('')].filter((c) => !/[A-Za-z0-9_]/.test(c)));
    separatorCache.set(mapping.template, s);
  }
  return s;
}

/**
 * A key's values for the mapping's key columns (in template order). null when the key is not of this mapping: it
 * does not fit the template, or a value holds the template's separator ("product:1:reviews" and "user:alice:prefs"
 * belong to longer key families); { invalid: column } when it is ours but cannot be a row's key ("product:abc" for
 * a bigint id).
 */
export function keyColumnValues(key: string, mapping: Mapping, types: readonly string[]): string[] | { invalid: string } | null {
  const values = mapping.template.values(key);
  if (!values) return null;
  const separators = separatorsOf(mapping);
  for (const v of values) for (const c of separators) if (v.includes(c)) return null;
  for (let i = 0; i < values.length; i += 1)
    if (!fitsKeyType(values[i]!, types[i] ?? 'text')) return { invalid: mapping.keyColumns[i]?.column ?? `value ${i + 1}` };
  return values;
}
