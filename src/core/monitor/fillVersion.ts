// The version a fill writes, read from the command itself (a JSON string value or hash fields).
import { readPath } from '../scan/decode.js';
import { cacheVersion, type Version, type VersionKind } from '../scan/version.js';
import type { Action } from './commands.js';
import { argText } from './parseLine.js';

type Fill = Extract<Action, { kind: 'fill' }>;

/**
 * The version at `field` (a path such as meta.version) of a fill, or null when there is none. Without a database
 * to say the kind, a number or a string of digits is a counter and anything else is tried as a timestamp.
 */
export function fillVersion(fill: Fill, field: string, kind: VersionKind | 'auto' = 'auto'): Version | null {
  let raw: unknown;
  if (fill.fields) {
    const v = fill.fields.get(field);
    raw = v === undefined ? undefined : argText(v);
  } else if (fill.value !== null) {
    const text = argText(fill.value);
    if (!text.startsWith('{')) return null;
    try {
      raw = readPath(JSON.parse(text), field);
    } catch {
      return null;
    }
  }
  if (raw === undefined || raw === null) return null;
  const asCounter = kind === 'auto' ? typeof raw === 'number' || (typeof raw === 'string' && /^\d{1,15}$/.test(raw)) : kind === 'counter';
  const v = cacheVersion(raw, asCounter ? 'counter' : 'timestamp');
  return 'error' in v ? null : v;
}
