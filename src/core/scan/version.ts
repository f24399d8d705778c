// Versions embedded in cached values and stored in rows: monotonic counters or timestamps, compared exactly.

export type VersionKind = 'counter' | 'timestamp';

export interface Version {
  kind: VersionKind;
  /** Counter value, or a timestamp in microseconds since the epoch. */
  value: bigint;
  /** Timestamps: fractional-second digits the value carries (0, 3 or 6); compare at the coarser of two. */
  precision: number;
}

export type VersionResult = Version | { error: string };

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The version inside a cached value, read as the row's column kind. */
export function cacheVersion(raw: unknown, kind: VersionKind): VersionResult {
  if (raw === undefined || raw === null) return { error: 'has no version field' };
  if (kind === 'counter') return counter(raw);
  return timestamp(raw);
}

function counter(raw: unknown): VersionResult {
  if (typeof raw === 'number') {
    if (Number.isInteger(raw) && raw > Number.MAX_SAFE_INTEGER)
      return { error: `version ${raw} is beyond 2^53, where JSON numbers lose precision: store it as a string` };
    if (!Number.isSafeInteger(raw) || raw < 0) return { error: `version ${raw} is not a whole number >= 0` };
    return { kind: 'counter', value: BigInt(raw), precision: 0 };
  }
  if (typeof raw === 'string' && /^\d{1,40}$/.test(raw.trim())) return { kind: 'counter', value: BigInt(raw.trim()), precision: 0 };
  return { error: `version ${describe(raw)} is not a counter (a whole number)` };
}

function timestamp(raw: unknown): VersionResult {
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim()))) return epoch(Number(raw), String(raw).trim());
  if (typeof raw !== 'string') return { error: `version ${describe(raw)} is not a timestamp` };
  const m = ISO.exec(raw.trim());
  if (!m) return { error: `version ${describe(raw)} is not an ISO-8601 timestamp or epoch number` };
  const fraction = (m[3] ?? '').slice(0, 6);
  // A date alone is midnight UTC, as PostgreSQL reads a date.
  const seconds = m[2] === undefined ? '00:00:00' : m[2].length === 5 ? `${m[2]}:00` : m[2];
  const zone =
    !m[4] || m[4].toUpperCase() === 'Z' ? 'Z' : m[4].length === 3 ? `${m[4]}:00` : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  const ms = Date.parse(`${m[1]}T${seconds}${zone}`);
  if (Number.isNaN(ms)) return { error: `version ${describe(raw)} is not a valid date` };
  const micros = BigInt(ms) * 1000n + BigInt(fraction.padEnd(6, '0') || '0');
  return { kind: 'timestamp', value: micros, precision: fraction.length <= 3 && fraction.length > 0 ? 3 : fraction.length === 0 ? 0 : 6 };
}

/** Epoch numbers: seconds below 1e11, milliseconds below 1e14, else microseconds. */
function epoch(n: number, text: string): VersionResult {
  if (!Number.isFinite(n) || n < 0) return { error: `version ${text} is not a valid epoch timestamp` };
  if (n < 1e11) {
    // Seconds: as precise as the digits written after the point (1735725600.123 is milliseconds).
    const decimals = /\.(\d+)/.exec(text)?.[1]?.length ?? 0;
    return { kind: 'timestamp', value: BigInt(Math.round(n * 1e6)), precision: decimals === 0 ? 0 : decimals <= 3 ? 3 : 6 };
  }
  if (n < 1e14) return { kind: 'timestamp', value: BigInt(Math.round(n * 1000)), precision: 3 };
  return { kind: 'timestamp', value: BigInt(Math.round(n)), precision: 6 };
}

/** A row's version column read as text (timestamps as epoch microseconds, see the row query). */
export function rowVersion(text: string | null, kind: VersionKind): VersionResult {
  if (text === null) return { error: 'the row has no version (NULL)' };
  if (/infinity/i.test(text)) return { error: `the row version is ${text}` };
  if (!/^-?\d+$/.test(text)) return { error: `the row version "${text}" is not a whole number` };
  return { kind, value: BigInt(text), precision: 6 };
}

export interface VersionOrder {
  /** -1: the cache is behind the row; 0: equal; 1: the cache is ahead. */
  order: -1 | 0 | 1;
  /** Counters: how many versions the cache is behind (negative when ahead). */
  versionsBehind: number | null;
}

/** Compares at the coarser precision of the two, so a millisecond JSON timestamp matches a microsecond column. */
const UNITS = [1000000n, 100000n, 10000n, 1000n, 100n, 10n, 1n];

export function compareVersions(cache: Version, row: Version): VersionOrder {
  const precision = Math.min(cache.precision, row.precision);
  const unit = UNITS[precision] ?? 1n;
  const c = cache.kind === 'timestamp' ? cache.value / unit : cache.value;
  const r = row.kind === 'timestamp' ? row.value / unit : row.value;
  const order = c < r ? -1 : c > r ? 1 : 0;
  return { order, versionsBehind: cache.kind === 'counter' ? Number(r - c) : null };
}

export function formatVersion(v: Version): string {
  if (v.kind === 'counter') return v.value.toString();
  const ms = Number(v.value / 1000n);
  const iso = new Date(ms).toISOString();
  if (v.precision === 6) return iso.replace(/\.(\d{3})Z$/, (_m, d: string) => `.${d}${String(v.value % 1000n).padStart(3, '0')}Z`);
  return v.precision === 0 ? iso.replace(/\.\d{3}Z$/, 'Z') : iso;
}

function describe(raw: unknown): string {
  const text = typeof raw === 'string' ? `"${raw}"` : (JSON.stringify(raw) ?? String(raw));
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
