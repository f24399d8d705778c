// Decides what one cached entry is, compared with its row on the primary.
import { sameValue } from './compare.js';
import { type CacheRead, decodeEntry } from './decode.js';
import { FILL_MARGIN_SECONDS } from './fillTime.js';
import type { Mapping } from './mapping.js';
import { cacheVersion, compareVersions, formatVersion, rowVersion, type VersionKind } from './version.js';

export type EntryState = 'fresh' | 'stale' | 'ahead' | 'orphan' | 'version-not-bumped' | 'undecodable' | 'oversized' | 'expired';

/** States where the cache disagrees with the primary: what --max-stale counts and the grace re-check confirms. */
export const WRONG_STATES: readonly EntryState[] = ['stale', 'ahead', 'orphan', 'version-not-bumped'];

/** The row as the scan query returns it: every value as text, timestamps as epoch microseconds. */
export interface RowRead {
  version: string | null;
  updatedAtMicros: string | null;
  compare: Record<string, string | null>;
}

export interface Classified {
  key: string;
  mapping: string;
  state: EntryState;
  cacheVersion: string | null;
  rowVersion: string | null;
  versionsBehind: number | null;
  /** Now minus the row's updatedAt: how long the entry has been wrong (null when unknown or fresh). */
  secondsBehind: number | null;
  /** Time to live left in seconds; null when the key has no expiry. */
  ttlSeconds: number | null;
  noTtl: boolean;
  /** Why undecodable / oversized, or which fields differ. */
  detail: string | null;
}

export interface ClassifyInput {
  read: CacheRead;
  /** undefined: the key's placeholder values cannot be a primary key of this table (e.g. "abc" for a bigint). */
  row: RowRead | null | undefined;
  mapping: Mapping;
  versionKind: VersionKind;
  maxValueBytes: number;
  now: Date;
  /** With row undefined: the key column whose value the key cannot hold. */
  invalidColumn?: string;
  /** pg_type category of each compared column (D timestamps, B booleans, ...). */
  compareCategories?: Readonly<Record<string, string>>;
}

export function classifyEntry(input: ClassifyInput): Classified {
  const { read, row, mapping, now } = input;
  const base: Classified = {
    key: read.key,
    mapping: mapping.name,
    state: 'fresh',
    cacheVersion: null,
    rowVersion: null,
    versionsBehind: null,
    secondsBehind: null,
    ttlSeconds: read.pttl >= 0 ? read.pttl / 1000 : null,
    noTtl: read.pttl === -1,
    detail: null,
  };
  if (read.type === 'none' || read.pttl === -2) return { ...base, state: 'expired', noTtl: false };
  if (read.type === 'string' && read.size !== null && read.size > input.maxValueBytes) {
    return { ...base, state: 'oversized', detail: `${read.size} bytes, over --max-value-bytes ${input.maxValueBytes}` };
  }
  const decoded = decodeEntry(read, mapping.encoding);
  if (!decoded.ok) return { ...base, state: 'undecodable', detail: `the value ${decoded.reason}` };
  if (row === undefined)
    return {
      ...base,
      state: 'undecodable',
      detail: `the key does not hold a valid ${input.invalidColumn ?? mapping.keyColumns.map((k) => k.column).join(', ')}`,
    };

  const rawVersion = decoded.get(mapping.version.field);
  // The common case, a small counter equal to the row's, decided without BigInt or Version objects.
  if (
    row &&
    row.version !== null &&
    input.versionKind === 'counter' &&
    typeof rawVersion === 'number' &&
    rawVersion === Number(row.version) &&
    Number.isSafeInteger(rawVersion) &&
    rawVersion >= 0
  ) {
    const same = mapping.compare.every((c) => sameValue(decoded.get(c.field), row.compare[c.column] ?? null, input.compareCategories?.[c.column]));
    if (same) return { ...base, versionsBehind: 0 };
  }
  const cached = cacheVersion(rawVersion, input.versionKind);
  if ('error' in cached)
    return {
      ...base,
      state: 'undecodable',
      detail:
        rawVersion === undefined || rawVersion === null
          ? `the value has no version field ${mapping.version.field}`
          : `field ${mapping.version.field}: ${cached.error}`,
    };
  if (row === null) return { ...base, cacheVersion: formatVersion(cached), state: 'orphan', detail: 'no row with this key on the primary' };

  const stored = rowVersion(row.version, input.versionKind);
  if ('error' in stored) return { ...base, cacheVersion: formatVersion(cached), state: 'undecodable', detail: stored.error };
  const order = compareVersions(cached, stored);
  // Compared fields only matter when the versions agree; a field the value lacks cannot be compared at all.
  const missing = order.order === 0 ? mapping.compare.find((c) => decoded.get(c.field) === undefined) : undefined;
  if (missing)
    return { ...base, cacheVersion: formatVersion(cached), state: 'undecodable', detail: `the value has no field ${missing.field} (compared with --compare)` };
  const differs =
    order.order === 0
      ? mapping.compare
          .filter((c) => !sameValue(decoded.get(c.field), row.compare[c.column] ?? null, input.compareCategories?.[c.column]))
          .map(
            (c) =>
              `${c.field} (cache ${short(decoded.get(c.field))}, primary ${shownColumn(row.compare[c.column] ?? null, input.compareCategories?.[c.column])})`,
          )
      : [];
  // The common case, a fresh entry, is counted and dropped: it needs no formatted versions.
  if (order.order === 0 && differs.length === 0) return { ...base, versionsBehind: 0 };
  const updatedAt = row.updatedAtMicros === null ? null : Number(BigInt(row.updatedAtMicros) / 1000n);
  const secondsBehind = updatedAt === null ? null : Math.max(0, (now.getTime() - updatedAt) / 1000);
  const compared = { ...base, cacheVersion: formatVersion(cached), rowVersion: formatVersion(stored), versionsBehind: order.versionsBehind };
  if (order.order < 0) return { ...compared, state: 'stale', secondsBehind };
  if (order.order > 0)
    return { ...compared, state: 'ahead', detail: 'the cache holds a newer version than the primary: a rolled-back write, or a fill from an uncommitted read' };
  // The row's age says nothing here (a write that did not bump the version may not touch updatedAt either): the
  // entry is wrong at most since its fill, known only when the mapping gives the fill TTL.
  // More TTL left than the fill TTL (written some other way): the age is unknown, as in fillTime.ts.
  const dated = mapping.ttlSeconds !== null && base.ttlSeconds !== null && base.ttlSeconds <= mapping.ttlSeconds + FILL_MARGIN_SECONDS;
  const filledAgo = dated ? Math.max(0, mapping.ttlSeconds! - base.ttlSeconds!) : null;
  return {
    ...compared,
    state: 'version-not-bumped',
    secondsBehind: filledAgo === null ? null : secondsBehind === null ? filledAgo : Math.min(secondsBehind, filledAgo),
    detail: `same version, but ${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}: a write that did not bump the version`,
  };
}

/** A column value as the primary holds it (timestamps arrive as epoch microseconds: shown as ISO-8601). */
function shownColumn(text: string | null, category: string | undefined): string {
  if (text === null) return 'NULL';
  if (category === 'D') {
    const v = rowVersion(text, 'timestamp');
    if (!('error' in v)) return formatVersion(v);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A value for a message: short, and quoted when it is text. */
function short(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
