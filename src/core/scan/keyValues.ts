// Key text -> the value a primary-key column can hold, checked before it reaches SQL: one bad key must not fail a
// whole batch with a cast error, and a key's text never becomes SQL.
import type { Mapping } from './mapping.js';

const INT_RANGE: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The canonical text PostgreSQL prints for this value in a column of `type` (as format_type() names it), or null
 * when the key text cannot be such a value. Rows come back as text and are matched to keys by this canonical form.
 */
export function canonicalKeyValue(text: string, type: string): string | null {
  const base = type.replace(/\(.*\)$/, '').trim();
  const range = INT_RANGE[base];
  if (range) {
    // Plain digits without a leading zero are already canonical and in range (the common case, no BigInt).
    if (base === 'bigint' && /^[1-9]\d{0,17}$/.test(text)) return text;
    if (!/^-?\d{1,20}$/.test(text)) return null;
    const n = BigInt(text);
    return n < range[0] || n > range[1] ? null : n.toString();
  }
  if (base === 'uuid') {
    if (!UUID.test(text)) return null;
    const hex = text.replace(/-/g, '').toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  if (base === 'numeric') return /^-?\d+(\.\d+)?$/.test(text) ? text : null;
  if (base === 'text' || base === 'character varying' || base === 'citext' || base === 'character' || base === 'name') {
    // PostgreSQL text cannot hold NUL.
    return text.includes('\u0000') ? null : text;
  }
  return text.includes('\u0000') ? null : text;
}

/** Whether keys can map to a column of this type at all (scan refuses mappings whose key columns it cannot bind). */
export function isSupportedKeyType(type: string): boolean {
  const base = type.replace(/\(.*\)$/, '').trim();
  return base in INT_RANGE || ['uuid', 'numeric', 'text', 'character varying', 'citext', 'character', 'name'].includes(base);
}

/**
 * A key's values for the mapping's key columns, canonical. null when the key is not of this mapping (it does not
 * fit the template, or a value that cannot be an id holds the template's separator: "product:1:reviews" belongs to
 * a longer key family); 'invalid' when it is ours but cannot be a row's key ("product:abc" for a bigint id).
 */
export function keyColumnValues(key: string, mapping: Mapping, types: readonly string[]): string[] | 'invalid' | null {
  const values = mapping.template.values(key);
  if (!values) return null;
  // keyColumns follow the template's placeholder order (see resolveMappings).
  for (let i = 0; i < values.length; i += 1) {
    const text = values[i]!;
    const v = canonicalKeyValue(text, types[i] ?? 'text');
    if (v === null) {
      const separators = new Set([...mapping.template.literals.join('')].filter((c) => !/[A-Za-z0-9_]/.test(c)));
      return [...text].some((c) => separators.has(c)) ? null : 'invalid';
    }
    values[i] = v;
  }
  return values;
}
