// Fetches the rows behind a batch of keys from the primary: one indexed query per batch, values as text.
import type { RowRead } from '../../core/scan/classify.js';
import type { PgConnection } from './connect.js';
import { quoteIdent, type TableShape } from './tableInfo.js';

function asText(column: string, category: string): string {
  // Timestamps as exact epoch microseconds ('infinity' cannot become a number: it comes back as its own text).
  return category === 'D'
    ? `CASE WHEN isfinite(t.${column}) THEN (extract(epoch FROM t.${column}) * 1000000)::bigint::text ELSE t.${column}::text END`
    : `t.${column}::text`;
}

/**
 * The keys arrive as text arrays, one per key column, numbered WITH ORDINALITY and cast to the columns' own types
 * in the join, so the primary key index is used, every value is bound, and no key text becomes SQL. Rows come
 * back with their key's number: matched by position, not by how PostgreSQL prints the value (numeric 2 is
 * "2.00", citext compares without case).
 */
export function rowSql(shape: TableShape): string {
  const selected = [
    'k.i::int',
    asText(quoteIdent(shape.version.name), shape.version.category),
    shape.updatedAt ? asText(quoteIdent(shape.updatedAt.name), 'D') : 'NULL',
    ...shape.compare.map((c) => asText(quoteIdent(c.name), c.category)),
  ].join(', ');
  const arrays = shape.keyColumns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const names = shape.keyColumns.map((_, i) => `v${i}`).join(', ');
  const on = shape.keyColumns.map((c, i) => `t.${quoteIdent(c.name)} = k.v${i}::${c.type}`).join(' AND ');
  return `SELECT ${selected} FROM unnest(${arrays}) WITH ORDINALITY AS k(${names}, i) JOIN ${shape.sql} t ON ${on}`;
}

/** keys[i] holds key i's values, one per key column; the answer is aligned with `keys` (null: no row). */
export async function fetchRows(db: PgConnection, shape: TableShape, sql: string, keys: readonly string[][]): Promise<(RowRead | null)[]> {
  const rows: (RowRead | null)[] = new Array(keys.length).fill(null);
  if (keys.length === 0) return rows;
  const params = shape.keyColumns.map((_, col) => keys.map((k) => k[col]));
  for (const r of await db.queryArrays(sql, params)) {
    const compare: Record<string, string | null> = {};
    for (const [i, c] of shape.compare.entries()) compare[c.name] = r[3 + i] as string | null;
    rows[(r[0] as number) - 1] = { version: r[1] as string | null, updatedAtMicros: r[2] as string | null, compare };
  }
  return rows;
}
