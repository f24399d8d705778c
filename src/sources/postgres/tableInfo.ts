// What the mapped table looks like on the primary: does it exist, can we read it, its columns and their types.
import { isSupportedKeyType } from '../../core/scan/keyValues.js';
import { type Mapping, tableLabel } from '../../core/scan/mapping.js';
import type { VersionKind } from '../../core/scan/version.js';
import { closest } from '../../core/closest.js';
import { ConfigError, SourceError } from '../../errors.js';
import type { PgConnection } from './connect.js';

export interface ColumnInfo {
  name: string;
  /** format_type(): a type name that is valid SQL, e.g. bigint, uuid, "timestamp with time zone". */
  type: string;
  /** pg_type.typcategory: N numeric, D date/time, S string, ... */
  category: string;
}

/** A mapping checked against its table: every name it uses exists, and how to read each. */
export interface TableShape {
  /** schema.table, each part quoted: safe to put into SQL. */
  sql: string;
  label: string;
  keyColumns: ColumnInfo[];
  version: ColumnInfo & { kind: VersionKind };
  updatedAt: ColumnInfo | null;
  compare: ColumnInfo[];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function readTableShape(db: PgConnection, mapping: Mapping): Promise<TableShape> {
  const label = tableLabel(mapping.table);
  const sql = mapping.table.schema ? `${quoteIdent(mapping.table.schema)}.${quoteIdent(mapping.table.name)}` : quoteIdent(mapping.table.name);
  const [rel] = await db.query<{ oid: string | null; readable: boolean | null; role: string }>(
    `SELECT to_regclass($1)::oid::text AS oid,
            CASE WHEN to_regclass($1) IS NULL THEN NULL ELSE has_table_privilege(to_regclass($1), 'SELECT') END AS readable,
            current_user AS role`,
    [sql],
  );
  if (!rel?.oid) {
    // A table of that name in a schema not on the search path ("products" that is really shop.products), or one
    // a typo away ("prodcts"): name it.
    const tables = await db.query<{ name: string; relname: string }>(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, c.relname
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
        ORDER BY 1 LIMIT 10000`,
    );
    const near = closest(mapping.table.name, tables, (t) => t.relname).slice(0, 3);
    throw new ConfigError(
      `mapping ${mapping.name}: table ${label} does not exist on the primary ${db.target}`,
      near.length > 0 ? `did you mean ${near.map((r) => r.name).join(' or ')}?` : 'check the table name (and schema) in the mapping',
    );
  }
  if (!rel.readable) {
    throw new SourceError(`mapping ${mapping.name}: role ${rel.role} cannot read ${label}`, `GRANT SELECT ON ${sql} TO ${quoteIdent(rel.role)};`, {
      reason: `no SELECT privilege on ${label}`,
      category: 'rejected',
    });
  }
  const columns = await db.query<ColumnInfo>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory AS category
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped`,
    [rel.oid],
  );
  const byName = new Map(columns.map((c) => [c.name, c]));
  const column = (name: string, role: string): ColumnInfo => {
    const c = byName.get(name);
    if (!c)
      throw new ConfigError(`mapping ${mapping.name}: ${label} has no column "${name}" (${role})`, `its columns: ${columns.map((x) => x.name).join(', ')}`);
    return c;
  };

  const keyColumns = mapping.keyColumns.map((k) => {
    const c = column(k.column, `for {${k.placeholder}} in the key template`);
    if (!isSupportedKeyType(c.type))
      throw new ConfigError(
        `mapping ${mapping.name}: key column ${c.name} has type ${c.type}, which keys cannot be matched to`,
        'key columns must be integers, uuid, numeric or text',
      );
    return c;
  });
  const v = column(mapping.version.column, 'the version column');
  const kind = versionKind(v);
  if (!kind)
    throw new ConfigError(
      `mapping ${mapping.name}: version column ${v.name} has type ${v.type}`,
      'a version is a whole number (counter) or a timestamp: check --version-column',
    );
  if (mapping.version.kind !== 'auto' && mapping.version.kind !== kind) {
    throw new ConfigError(`mapping ${mapping.name}: version.kind is "${mapping.version.kind}" but column ${v.name} is ${v.type} (a ${kind})`);
  }
  // Without a configured updatedAt, a timestamp column named updated_at is used to rank by how long entries are wrong.
  const updatedAt = mapping.updatedAt
    ? column(mapping.updatedAt.column, 'updatedAt')
    : byName.get('updated_at')?.category === 'D'
      ? byName.get('updated_at')!
      : null;
  if (updatedAt && updatedAt.category !== 'D')
    throw new ConfigError(`mapping ${mapping.name}: updatedAt column ${updatedAt.name} has type ${updatedAt.type}, not a timestamp`);
  return { sql, label, keyColumns, version: { ...v, kind }, updatedAt, compare: mapping.compare.map((c) => column(c.column, 'in compare')) };
}

function versionKind(c: ColumnInfo): VersionKind | null {
  // A counter is a whole number: numeric(10,2), real and double precision are prices, not versions.
  if (c.category === 'N') return /^(real|double precision|money)$|^numeric\(\d+,\s*[1-9]/.test(c.type) ? null : 'counter';
  if (c.category === 'D') return 'timestamp';
  return null;
}
