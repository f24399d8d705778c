// Fetches the rows behind a batch of keys from the primary: one indexed query per batch, values as text.
import type { RowRead } from '../../core/scan/classify.js';
import type { PgConnection } from './connect.js';
import { quoteIdent, type TableShape } from './tableInfo.js';

/** Rows are matched back to keys by their key columns' canonical text, joined with NUL (which text cannot hold). */
export function rowId(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : values.join('\u0000');
}

function asText(column: string, category: string): string {
  // Timestamps as exact epoch microseconds; everything else as PostgreSQL prints it.
  return category === 'D' ? `(extract(epoch FROM t.${column}) * 1000000)::bigint::text` : `t.${column}::text`;
}

/**
 * One key column: `WHERE id = ANY($1::bigint[])`; several: a join with unnest() of one array per column.
 * Either way the primary key index is used, every value is bound, and no key text becomes SQL.
 */
export function rowSql(shape: TableShape): string {
  const keys = shape.keyColumns.map((c) => `t.${quoteIdent(c.name)}::text`);
  const selected = [
    ...keys,
    asText(quoteIdent(shape.version.name), shape.version.category),
    shape.updatedAt ? asText(quoteIdent(shape.updatedAt.name), 'D') : 'NULL',
    ...shape.compare.map((c) => `t.${quoteIdent(c.name)}::text`),
  ].join(', ');
  if (shape.keyColumns.length === 1) {
    const c = shape.keyColumns[0]!;
    return `SELECT ${selected} FROM ${shape.sql} t WHERE t.${quoteIdent(c.name)} = ANY($1::${c.type}[])`;
  }
  const arrays = shape.keyColumns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const names = shape.keyColumns.map((_, i) => `k${i}`).join(', ');
  const on = shape.keyColumns.map((c, i) => `t.${quoteIdent(c.name)} = k.k${i}`).join(' AND ');
  return `SELECT ${selected} FROM ${shape.sql} t JOIN unnest(${arrays}) AS k(${names}) ON ${on}`;
}

/** keys[i] holds the canonical values of key i, one per key column. */
export async function fetchRows(db: PgConnection, shape: TableShape, sql: string, keys: readonly string[][]): Promise<Map<string, RowRead>> {
  const rows = new Map<string, RowRead>();
  if (keys.length === 0) return rows;
  const params = shape.keyColumns.map((_, col) => keys.map((k) => k[col]));
  const result = await db.queryArrays(sql, params);
  const n = shape.keyColumns.length;
  for (const r of result) {
    const compare: Record<string, string | null> = {};
    shape.compare.forEach((c, i) => (compare[c.name] = r[n + 2 + i] as string | null));
    rows.set(rowId(r.slice(0, n) as string[]), { version: r[n] as string | null, updatedAtMicros: r[n + 1] as string | null, compare });
  }
  return rows;
}
