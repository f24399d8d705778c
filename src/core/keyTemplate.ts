// Key templates such as "tenant:{tenant_id}:user:{id}": parsed once, then used to build the SCAN pattern and
// to read placeholder values back out of each key.

export interface KeyTemplate {
  source: string;
  /** Placeholder names in order. */
  placeholders: string[];
  /** The literal text between placeholders. */
  literals: string[];
  /** Redis SCAN MATCH pattern: literal glob characters escaped, each placeholder a `*`. */
  scanPattern: string;
  /** Placeholder values of a key, or null when the key does not fit the template. */
  match(key: string): Record<string, string> | null;
  /** The same values as an array in placeholder order: the scan's hot path, without an object per key. */
  values(key: string): string[] | null;
  /** The key these placeholder values (in order) make: what a row's key columns map to. */
  render(values: readonly string[]): string;
}

export class KeyTemplateError extends Error {}

type Part = { literal: string } | { name: string };

const GLOB_SPECIAL = /[*?[\]\\]/g;

export function parseKeyTemplate(source: string): KeyTemplate {
  const parts = splitParts(source);
  const placeholders = parts.flatMap((p) => ('name' in p ? [p.name] : []));
  if (placeholders.length === 0) throw new KeyTemplateError(`key template "${source}" has no {placeholder}: it cannot map keys to rows`);
  const dupe = placeholders.find((n, i) => placeholders.indexOf(n) !== i);
  if (dupe) throw new KeyTemplateError(`key template "${source}" uses {${dupe}} twice`);
  for (let i = 1; i < parts.length; i += 1) {
    if ('name' in (parts[i] as Part) && 'name' in (parts[i - 1] as Part)) {
      throw new KeyTemplateError(`key template "${source}": placeholders must be separated by literal text (a key cannot be split between them)`);
    }
  }
  const scanPattern = parts.map((p) => ('name' in p ? '*' : p.literal.replace(GLOB_SPECIAL, (c) => `\\${c}`))).join('');
  const last = parts.length - 1;
  const regex = new RegExp(`^${parts.map((p, i) => ('name' in p ? (i === last ? '(.+)' : '(.+?)') : escapeRegex(p.literal))).join('')}$`, 's');
  const prefix = parts.length === 2 && 'literal' in parts[0]! && 'name' in parts[1]! ? parts[0].literal : null;
  const values = (key: string): string[] | null => {
    // The common shape, "prefix:{id}", needs no regular expression.
    if (prefix !== null) return key.length > prefix.length && key.startsWith(prefix) ? [key.slice(prefix.length)] : null;
    const m = regex.exec(key);
    return m ? m.slice(1) : null;
  };
  return {
    source,
    placeholders,
    values,
    literals: parts.flatMap((p) => ('literal' in p ? [p.literal] : [])),
    scanPattern,
    match(key: string) {
      const v = values(key);
      return v === null ? null : Object.fromEntries(placeholders.map((name, i) => [name, v[i] as string]));
    },
    render(v: readonly string[]) {
      let i = 0;
      return parts.map((p) => ('name' in p ? (v[i++] ?? '') : p.literal)).join('');
    },
  };
}

/** "{{" and "}}" are literal braces; "{name}" is a placeholder. */
function splitParts(source: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i] as string;
    if ((c === '{' || c === '}') && source[i + 1] === c) {
      literal += c;
      i += 1;
    } else if (c === '{') {
      const end = source.indexOf('}', i);
      const name = end === -1 ? '' : source.slice(i + 1, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new KeyTemplateError(
          `key template "${source}": "${end === -1 ? source.slice(i) : `{${name}}`}" is not a placeholder (use {column_name}, or {{ for a literal brace)`,
        );
      }
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ name });
      i = end;
    } else if (c === '}') {
      throw new KeyTemplateError(`key template "${source}": unmatched "}" (use }} for a literal brace)`);
    } else {
      literal += c;
    }
  }
  if (literal) parts.push({ literal });
  return parts;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
