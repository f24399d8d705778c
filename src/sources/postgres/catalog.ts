// The catalog as init matches it: every table the role can read, with its columns and the column sets that identify
// a row (primary key, unique indexes); and a count of how many of some ids are rows of one of them.
import type { CatalogTable } from '../../core/discover/propose.js';
import type { PgConnection } from './connect.js';
import { quoteIdent } from './tableInfo.js';

/** Tables read from the catalog, at most (in schema and name order): a database with more is matched on these only, and says so. */
export const MAX_TABLES = 5000;

const USER_TABLES = `c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;

export async function readCatalog(db: PgConnection, limit = MAX_TABLES): Promise<{ tables: CatalogTable[]; unreadable: number; notRead: number }> {
  const tables = await db.query<CatalogTable>(
    `SELECT n.nspname AS schema, c.relname AS name,
            (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'category', t.typcategory)
                                      ORDER BY a.attnum), '[]')
               FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT coalesce(json_agg(k.cols ORDER BY k.is_primary DESC, k.width), '[]')
               FROM (SELECT i.indisprimary AS is_primary, i.indnkeyatts AS width,
                            (SELECT json_agg(a.attname ORDER BY x.ord)
                               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS x(attnum, ord)
                               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.attnum
                              WHERE x.ord <= i.indnkeyatts) AS cols
                       FROM pg_index i
                      WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL) k) AS keys
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_TABLES} AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
      ORDER BY 1, 2 LIMIT ${Math.floor(limit)}`,
  );
  const [counts = { readable: 0, unreadable: 0 }] = await db.query<{ readable: number; unreadable: number }>(
    `SELECT count(*) FILTER (WHERE x.ok)::int AS readable, count(*) FILTER (WHERE NOT x.ok)::int AS unreadable
       FROM (SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') AS ok
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_TABLES}) x`,
  );
  return { tables, unreadable: counts.unreadable, notRead: Math.max(0, counts.readable - tables.length) };
}

/** How many of these key tuples (values already checked to fit the columns' types) are rows of the table. */
export async function countRows(
  db: PgConnection,
  table: { schema: string; name: string },
  columns: readonly { name: string; type: string }[],
  tuples: readonly string[][],
): Promise<number> {
  if (tuples.length === 0) return 0;
  const cols = columns.map((c) => quoteIdent(c.name)).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const names = columns.map((_, i) => `v${i}`);
  const [{ n } = { n: 0 }] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)}
      WHERE (${cols}) IN (SELECT ${names.join(', ')} FROM unnest(${arrays}) AS u(${names.join(', ')}))`,
    columns.map((_, i) => tuples.map((t) => t[i]!)),
  );
  return n;
}
