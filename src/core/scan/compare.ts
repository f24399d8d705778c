// Does a cached field hold the same value as the row's column (read as text)?
import { cacheVersion, compareVersions, rowVersion } from './version.js';

/**
 * Type-aware equality, by the column's pg_type category: timestamps (D, read as epoch microseconds) compare as
 * instants at the cached value's precision; booleans (B) accept true/false, t/f and 1/0; otherwise 12.5 equals
 * "12.50" and objects compare as canonical JSON.
 */
export function sameValue(cached: unknown, columnText: string | null, category = ''): boolean {
  if (columnText === null) return cached === null || cached === undefined;
  if (cached === null || cached === undefined) return false;
  if (category === 'D') {
    const c = cacheVersion(cached, 'timestamp');
    const r = rowVersion(columnText, 'timestamp');
    return !('error' in c) && !('error' in r) && compareVersions(c, r).order === 0;
  }
  if (category === 'B') {
    const truth = (v: unknown) =>
      v === true || v === 1 || ['t', 'true', '1'].includes(String(v)) ? true : v === false || v === 0 || ['f', 'false', '0'].includes(String(v)) ? false : null;
    const a = truth(cached);
    return a !== null && a === truth(columnText);
  }
  if (typeof cached === 'number') return isNumeric(columnText) && Number(columnText) === cached;
  if (typeof cached === 'boolean') return (columnText === 't' || columnText === 'true') === cached && ['t', 'f', 'true', 'false'].includes(columnText);
  if (typeof cached === 'string') {
    if (cached === columnText) return true;
    return isNumeric(cached) && isNumeric(columnText) && Number(cached) === Number(columnText);
  }
  try {
    return canonical(cached) === canonical(JSON.parse(columnText));
  } catch {
    return false;
  }
}

function isNumeric(s: string): boolean {
  return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s.trim());
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
