// Which of a value's fields is its version, its update time, and which others must equal their columns: only fields
// that are also columns, named and typed as such (a guess from a field's name alone would be a wrong mapping).
import { snakeCase } from './names.js';
import type { FieldInfo } from './values.js';

export interface ColumnLike {
  name: string;
  type: string;
  /** pg_type.typcategory: N numeric, D date/time, S string, B boolean, ... */
  category: string;
}

export interface FieldColumn {
  field: FieldInfo;
  column: ColumnLike;
}

const COUNTER_NAMES = /^(version|rev|revision|lock_version|row_version|record_version|ver|seq|sequence|generation|gen|etag_version)$/;
const TIMESTAMP_NAMES =
  /^(updated_at|modified_at|last_modified|last_modified_at|last_updated|last_updated_at|updated|modified|mtime|changed_at|updated_on|modified_on)$/;
const COMPARED_KINDS = new Set(['string', 'integer', 'number', 'boolean']);
const COMPARED_CATEGORIES = new Set(['N', 'S', 'B']);
const MAX_COMPARE = 8;

/** A counter: a whole-number column (numeric with decimals, real and money are amounts, not versions). */
function isCounterColumn(c: ColumnLike): boolean {
  return c.category === 'N' && !/^(real|double precision|money)$|^numeric\(\d+,\s*[1-9]/.test(c.type);
}

const fieldName = (f: FieldInfo) => snakeCase(f.path.split('.').pop()!);

export function pickVersion(pairs: readonly FieldColumn[]): { field: string; column: string; kind: 'counter' | 'timestamp' } | null {
  const counter = pairs.find(
    (p) => COUNTER_NAMES.test(fieldName(p.field)) && isCounterColumn(p.column) && (p.field.kind === 'integer' || p.field.kind === 'string'),
  );
  if (counter) return { field: counter.field.path, column: counter.column.name, kind: 'counter' };
  const ts = pickUpdatedAt(pairs);
  return ts && { ...ts, kind: 'timestamp' };
}

/** A timestamp field that is a date/time column, named as an update time. */
export function pickUpdatedAt(pairs: readonly FieldColumn[]): { field: string; column: string } | null {
  const p = pairs.find(
    (x) => TIMESTAMP_NAMES.test(fieldName(x.field)) && x.column.category === 'D' && ['timestamp', 'integer', 'number'].includes(x.field.kind),
  );
  return p ? { field: p.field.path, column: p.column.name } : null;
}

/**
 * Fields to compare with their columns when the versions agree: scalar fields whose last path part is the column's
 * own name (as scan compares them), not the version, the update time or a key column.
 */
export function pickCompare(pairs: readonly FieldColumn[], exclude: ReadonlySet<string>): string[] {
  return pairs
    .filter(
      (p) =>
        !exclude.has(p.column.name) &&
        p.field.path.split('.').pop() === p.column.name &&
        COMPARED_KINDS.has(p.field.kind) &&
        COMPARED_CATEGORIES.has(p.column.category),
    )
    .map((p) => p.field.path)
    .sort()
    .slice(0, MAX_COMPARE);
}
