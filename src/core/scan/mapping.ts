// A mapping from a key family to its table, resolved: the template parsed and every default applied.
import type { KeyTemplate } from '../keyTemplate.js';
import type { Encoding } from './decode.js';
import type { VersionKind } from './version.js';

export interface Mapping {
  name: string;
  template: KeyTemplate;
  table: { schema: string | null; name: string };
  /** Key placeholder -> primary-key column, in template order. */
  keyColumns: { placeholder: string; column: string }[];
  encoding: Encoding | 'auto';
  version: { field: string; column: string; kind: VersionKind | 'auto' };
  updatedAt: { field: string | null; column: string } | null;
  compare: { field: string; column: string }[];
  /** The TTL every fill sets, when given: dates each entry's fill exactly (else it is learned from the sample). */
  ttlSeconds: number | null;
}

/** "public.products" -> schema + name; a bare name uses the search path. Quotes allow dots inside a name. */
export function splitTableName(text: string): { schema: string | null; name: string } | null {
  const part = '(?:"((?:[^"]|"")+)"|([^".]+))';
  const m = new RegExp(`^${part}(?:\\.${part})?$`).exec(text.trim());
  if (!m) return null;
  const first = m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] as string);
  const second = m[3] !== undefined ? m[3].replace(/""/g, '"') : m[4];
  return second === undefined ? { schema: null, name: first } : { schema: first, name: second };
}

export function tableLabel(t: Mapping['table']): string {
  return t.schema ? `${t.schema}.${t.name}` : t.name;
}
