// A template matched with the catalog: the tables it could be cached from (named by its words, keyed by columns
// its ids fit, holding its fields), then, once sampled ids have been looked up as rows, one proposal with a
// confidence that means something (a wrong mapping is worse than none), or the reason it maps to nothing.
import { fitsKeyType, isSupportedKeyType } from '../scan/keyValues.js';
import { columnForField, singular, tableNamedBy } from './names.js';
import { renderTemplate, type InferredTemplate } from './templates.js';
import type { ValueShape } from './values.js';
import { type ColumnLike, type FieldColumn, pickCompare, pickUpdatedAt, pickVersion } from './versionField.js';

export interface CatalogTable {
  schema: string;
  name: string;
  columns: ColumnLike[];
  /** Column sets that identify a row: the primary key first, then unique indexes. */
  keys: string[][];
}

export interface Candidate {
  table: CatalogTable;
  /** Placeholder -> column, in template order. */
  keyColumns: { placeholder: string; column: ColumnLike }[];
  named: { words: string; schema: boolean } | null;
  /** The value's fields that are columns of the table, and their share of its fields. */
  fields: FieldColumn[];
  fieldShare: number;
}

/** Sampled ids looked up as rows of a candidate. */
export type RowCheck = { checked: number; found: number } | { error: string };

export type Confidence = 'high' | 'medium' | 'low';

/** A mapping as the config file writes it. */
export interface ProposedMapping {
  name: string;
  key: string;
  table: string;
  columns?: Record<string, string>;
  encoding: 'json' | 'hash';
  version: { field: string; column: string; kind: 'counter' | 'timestamp' };
  updatedAt?: { field: string; column: string };
  compare?: string[];
}

export interface Proposal {
  template: string;
  keys: number;
  table: string;
  keyColumns: { placeholder: string; column: string }[];
  encoding: 'json' | 'hash';
  version: ProposedMapping['version'] | null;
  compare: string[];
  rows: { checked: number; found: number };
  confidence: Confidence;
  reasons: string[];
  /** What the config file gets; null without a version (scan cannot compare without one). */
  mapping: ProposedMapping | null;
}

export interface Unmapped {
  template: string;
  keys: number;
  why: string;
}

/** Candidates tried per template (each costs one lookup of its sampled ids). */
export const MAX_CANDIDATES = 3;

export function candidatesFor(t: InferredTemplate, shape: ValueShape, tables: readonly CatalogTable[]): Candidate[] {
  const out: Candidate[] = [];
  for (const table of tables) {
    const keyColumns = keyColumnsFor(t, table);
    if (!keyColumns) continue;
    const named = tableNamedBy(t.words, table);
    const names = table.columns.map((c) => c.name);
    const fields = shape.fields.flatMap((field) => {
      const name = columnForField(field.path, names);
      return name ? [{ field, column: table.columns.find((c) => c.name === name)! }] : [];
    });
    const fieldShare = shape.fields.length === 0 ? 0 : fields.length / shape.fields.length;
    if (named || fieldShare >= 0.5) out.push({ table, keyColumns, named, fields, fieldShare });
  }
  const score = (c: Candidate) => (c.named ? 2 : 0) + (c.named?.schema ? 1 : 0) + c.fieldShare * 2 + (c.table.schema === 'public' ? 0.1 : 0);
  return out.sort((a, b) => score(b) - score(a)).slice(0, MAX_CANDIDATES);
}

/** The table's key columns the placeholders map to: every sampled value fits its column's type; names agree best. */
function keyColumnsFor(t: InferredTemplate, table: CatalogTable): Candidate['keyColumns'] | null {
  const n = t.placeholders.length;
  for (const key of table.keys) {
    if (key.length !== n) continue;
    const cols = key.map((name) => table.columns.find((c) => c.name === name)!);
    if (cols.some((c) => !c || !isSupportedKeyType(c.type))) continue;
    let best: { cols: ColumnLike[]; score: number } | null = null;
    for (const perm of permutations(cols)) {
      const fits = t.placeholders.every((p, i) => p.values.every((v) => fitsKeyType(v, perm[i]!.type)) && kindFits(p.kind, perm[i]!));
      if (!fits) continue;
      const score = t.placeholders.reduce((s, p, i) => s + (perm[i]!.name === p.name ? 2 : perm[i]!.name.startsWith(p.name) ? 1 : 0), 0);
      if (!best || score > best.score) best = { cols: perm, score };
    }
    if (best) return t.placeholders.map((p, i) => ({ placeholder: p.name, column: best.cols[i]! }));
  }
  return null;
}

/** Integers go to number columns, UUIDs to uuid or text, the rest to text: "42" fits a text id too, but rarely is one. */
function kindFits(kind: string, c: ColumnLike): boolean {
  if (c.category === 'N') return kind === 'int';
  if (c.type === 'uuid') return kind === 'uuid';
  return true;
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1 || xs.length > 4) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** The template's proposal from its candidates and their row checks, or why none fits. */
export function propose(t: InferredTemplate, shape: ValueShape, checked: readonly (Candidate & { rows: RowCheck })[]): Proposal | Unmapped {
  const base = { template: t.template, keys: t.keys };
  if (t.problem === 'few-keys') return { ...base, why: `too few keys to be a family (${t.keys} in the sample)` };
  if (t.problem === 'no-structure') return { ...base, why: 'no structure: the keys are ids with no word to name a table' };
  if (shape.problem) return { ...base, why: `${shape.problem}: only JSON objects and hashes can be compared with rows` };
  if (checked.length === 0)
    return { ...base, why: `no table is named by "${t.words.join(':')}" with a key its ids fit, or holds its fields (${shape.fields.length}) as columns` };
  const ratio = (r: RowCheck) => ('error' in r || r.checked === 0 ? 0 : r.found / r.checked);
  const ranked = [...checked].sort((a, b) => ratio(b.rows) - ratio(a.rows) || (b.named ? 1 : 0) - (a.named ? 1 : 0) || b.fieldShare - a.fieldShare);
  const best = ranked[0]!;
  const label = `${best.table.schema}.${best.table.name}`;
  if ('error' in best.rows) return { ...base, why: `its ids could not be looked up in ${label}: ${best.rows.error}` };
  if (best.rows.found === 0)
    return { ...base, why: `none of ${best.rows.checked} sampled ids is a row of ${ranked.map((c) => `${c.table.schema}.${c.table.name}`).join(' or ')}` };

  const version = pickVersion(best.fields);
  const updatedAt = version?.kind === 'counter' ? pickUpdatedAt(best.fields) : null;
  const exclude = new Set([...best.keyColumns.map((k) => k.column.name), version?.column ?? '', updatedAt?.column ?? '']);
  const compare = pickCompare(best.fields, exclude);
  const rows = best.rows;
  const rowsShare = rows.found / rows.checked;
  const enough = rows.checked >= Math.min(5, Math.min(...t.placeholders.map((p) => p.distinct)));
  const high = rowsShare >= 0.9 && enough && version !== null && best.fieldShare >= 0.5 && (best.named !== null || best.fieldShare >= 0.8);
  const medium = rowsShare >= 0.5 && version !== null && (best.named !== null || best.fieldShare >= 0.5);
  const confidence: Confidence = high ? 'high' : medium ? 'medium' : 'low';

  const reasons = [
    best.named ? `the key names the table ("${best.named.words}"${best.named.schema ? ', and its schema' : ''})` : 'the key does not name the table',
    `${rows.found} of ${rows.checked} sampled ids are rows`,
    `${best.fields.length} of ${shape.fields.length} fields are columns`,
    version ? `version: ${version.field} = column ${version.column} (${version.kind})` : 'no version: no field that is also a counter or update-time column',
  ];
  // Placeholders take their column's name where it is one a template can hold.
  const names = best.keyColumns.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k.column.name) ? k.column.name : k.placeholder));
  const unique = new Set(names).size === names.length;
  const keyColumns = best.keyColumns.map((k, i) => ({ placeholder: unique ? names[i]! : k.placeholder, column: k.column.name }));
  const renamed = keyColumns.filter((k) => k.placeholder !== k.column);
  const encoding = shape.encoding as 'json' | 'hash';
  const mapping: ProposedMapping | null = version && {
    name: singular(best.table.name),
    key: renderTemplate(
      t.parts,
      keyColumns.map((k) => k.placeholder),
    ),
    table: label,
    ...(renamed.length > 0 ? { columns: Object.fromEntries(renamed.map((k) => [k.placeholder, k.column])) } : {}),
    encoding,
    version,
    ...(updatedAt ? { updatedAt } : {}),
    ...(compare.length > 0 ? { compare } : {}),
  };
  return {
    template: mapping?.key ?? t.template,
    keys: t.keys,
    table: label,
    keyColumns,
    encoding,
    version,
    compare,
    rows,
    confidence,
    reasons,
    mapping,
  };
}

/** Mapping names made unique across proposals ("product", "product_2"). */
export function uniqueNames(proposals: readonly Proposal[]): void {
  const used = new Set<string>();
  for (const p of proposals) {
    if (!p.mapping) continue;
    let name = p.mapping.name;
    for (let k = 2; used.has(name); k += 1) name = `${p.mapping.name}_${k}`;
    used.add(name);
    p.mapping.name = name;
  }
}
