// What a family's cached values look like, from a handful of them: the encoding, and each field with the kind of
// value it holds (the share of values that have it, too: a field in one value of twenty is not the family's).
import { type CacheRead, decodeEntry } from '../scan/decode.js';

export type FieldKind = 'integer' | 'number' | 'timestamp' | 'string' | 'boolean' | 'null' | 'object' | 'array';

export interface FieldInfo {
  /** "price", or "meta.rev" inside an object. */
  path: string;
  kind: FieldKind;
  /** Share of the decoded values that have it. */
  share: number;
}

export interface ValueShape {
  encoding: 'json' | 'hash' | 'string' | 'other' | 'none';
  /** Values read, and how many decoded as the encoding. */
  read: number;
  decoded: number;
  fields: FieldInfo[];
  /** Why the values cannot be mapped (not JSON objects or hashes), or null. */
  problem: string | null;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
/** Fields kept: in at least this share of the values. */
const FIELD_SHARE = 0.5;
const DEPTH = 3;

export function learnValues(reads: readonly CacheRead[]): ValueShape {
  const present = reads.filter((r) => r.type !== 'none');
  const docs: Map<string, FieldKind>[] = [];
  const kinds = new Map<string, number>();
  let reason: string | null = null;
  for (const r of present) {
    const d = decodeEntry(r, 'auto');
    if (!d.ok) {
      const kind = r.type === 'string' ? 'string' : 'other';
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      reason ??= r.type === 'string' ? `a value ${d.reason}` : `the values are Redis ${r.type}s`;
      continue;
    }
    kinds.set(d.encoding, (kinds.get(d.encoding) ?? 0) + 1);
    docs.push(d.encoding === 'hash' ? hashFields(r.hash!) : jsonFields(JSON.parse(r.value!.toString('utf8'))));
  }
  if (present.length === 0) return { encoding: 'none', read: reads.length, decoded: 0, fields: [], problem: 'no value could be read (the keys expired)' };
  const [encoding, count] = [...kinds].sort((a, b) => b[1] - a[1])[0]! as [ValueShape['encoding'], number];
  if (encoding !== 'json' && encoding !== 'hash') return { encoding, read: present.length, decoded: 0, fields: [], problem: reason };
  const byPath = new Map<string, Map<FieldKind, number>>();
  for (const doc of docs) {
    for (const [path, kind] of doc) {
      const k = byPath.get(path) ?? new Map<FieldKind, number>();
      k.set(kind, (k.get(kind) ?? 0) + 1);
      byPath.set(path, k);
    }
  }
  const fields: FieldInfo[] = [];
  for (const [path, k] of byPath) {
    const n = [...k.values()].reduce((a, b) => a + b, 0);
    if (n / docs.length < FIELD_SHARE) continue;
    // The kind most values have; null only when every value is null.
    const ranked = [...k].filter(([kind]) => kind !== 'null' || k.size === 1).sort((a, b) => b[1] - a[1]);
    fields.push({ path, kind: ranked[0]![0], share: n / docs.length });
  }
  return { encoding, read: present.length, decoded: count, fields, problem: null };
}

function jsonFields(doc: unknown, prefix = '', depth = 0, out = new Map<string, FieldKind>()): Map<string, FieldKind> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return out;
  for (const [k, v] of Object.entries(doc)) {
    const path = prefix + k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && depth + 1 < DEPTH) jsonFields(v, `${path}.`, depth + 1, out);
    else out.set(path, kindOf(v));
  }
  return out;
}

function hashFields(hash: Map<string, Buffer>): Map<string, FieldKind> {
  return new Map([...hash].map(([k, v]) => [k, textKind(v.toString('utf8'))]));
}

function kindOf(v: unknown): FieldKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return ISO_TIME.test(v) ? 'timestamp' : 'string';
  return 'object';
}

/** A hash field's text: what it would be as a JSON value. */
function textKind(text: string): FieldKind {
  if (/^-?\d{1,18}$/.test(text)) return 'integer';
  if (/^-?\d+\.\d+$/.test(text)) return 'number';
  if (ISO_TIME.test(text)) return 'timestamp';
  if (text === 'true' || text === 'false') return 'boolean';
  return 'string';
}
