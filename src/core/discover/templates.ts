// Key templates inferred from a sample of keys: keys of one shape are grouped, and each part that varies between
// them (ids, and words with many values such as tenants) becomes a placeholder: "order:{tenant}:{id}".
import { type IdKind, type TokenKind, tokenize } from './tokens.js';

export interface Placeholder {
  name: string;
  kind: IdKind | 'word';
  /** Distinct values seen, the first ones (up to VALUES_KEPT). */
  values: string[];
  /** How many distinct values, counted up to 1,000. */
  distinct: number;
}

export type TemplatePart = { literal: string } | { placeholder: number };

export interface InferredTemplate {
  /** A key template (as config files write them); literal braces doubled, so hash tags stay as they are. */
  template: string;
  /** The template's literal text and placeholders (by index) in order: to write it again with other names. */
  parts: TemplatePart[];
  /** Keys of the sample that have this shape. */
  keys: number;
  /** A few of them, to read their values. */
  sampleKeys: string[];
  placeholders: Placeholder[];
  /** The literal words in order ("catalog", "product"): what may name a table. */
  words: string[];
  /** Why it is not a family to map as it is: too few keys, or nothing but ids (no word names it). */
  problem: 'few-keys' | 'no-structure' | null;
}

export interface InferOptions {
  /** Keys a family needs to count as one (default 3). */
  minKeys?: number;
  /** Keys kept per template to read values of (default 20). */
  sampleKeys?: number;
}

const VALUES_KEPT = 50;
/** Distinct words at one place of a key that make it a placeholder (a tenant) rather than families (reviews, stock). */
const WORD_VALUES = 8;
/** The first word names the family ("product", "session"): only this many values, none common, make it vary. */
const FIRST_WORD_VALUES = 32;
const FIRST_WORD_MAX_SHARE = 0.1;
/** An id the same in this many keys or more is part of the name ("api:2:product:{id}"). */
const CONSTANT_ID_KEYS = 5;
/** Distinct values of a placeholder are counted up to this many (all that matters is "a few" or "many"). */
const DISTINCT_COUNTED = 1000;

/** A part of a template: literal text, or a placeholder with its first values and how many distinct ones. */
type Decision = { literal: string } | { kind: IdKind | 'word'; values: string[]; distinct: number };

/** Keys of one shape (the same kinds of parts in the same order), stored by column: texts[part][key]. */
interface Shape {
  kinds: TokenKind[];
  keys: string[];
  texts: string[][];
}

/** Templates of the keys, most keys first. Duplicate keys count once; empty keys are ignored. */
export function inferTemplates(keys: Iterable<string>, opts: InferOptions = {}): InferredTemplate[] {
  const minKeys = opts.minKeys ?? 3;
  const keep = opts.sampleKeys ?? 20;
  const shapes = new Map<string, Shape>();
  const seen = new Set<string>();
  for (const key of keys) {
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    const tokens = tokenize(key);
    let sig = '';
    for (const t of tokens) sig += t.kind === 'sep' ? `s${t.text}\u0000` : `${t.kind}\u0000`;
    let shape = shapes.get(sig);
    if (!shape) {
      shape = { kinds: tokens.map((t) => t.kind), keys: [], texts: tokens.map(() => []) };
      shapes.set(sig, shape);
    }
    shape.keys.push(key);
    for (let i = 0; i < tokens.length; i += 1) shape.texts[i]!.push(tokens[i]!.text);
  }
  // Shapes that differ only in the kind of an id (hex ids, some of which happen to be all digits) are one family.
  const families = new Map<string, { keys: string[]; decisions: Decision[] }[]>();
  for (const shape of shapes.values()) {
    const all = Array.from({ length: shape.keys.length }, (_, i) => i);
    refine(shape, all, (rows, decisions) => {
      const sig = decisions.map((d) => ('literal' in d ? `l${d.literal}` : d.kind === 'word' ? 'w' : 'i')).join('\u0000');
      const alike = families.get(sig) ?? [];
      families.set(sig, alike);
      for (const f of alike) {
        const merged = mergeDecisions(f.decisions, f.keys.length, decisions, rows.length);
        if (merged === null) continue;
        f.decisions = merged;
        for (const r of rows) f.keys.push(shape.keys[r]!);
        return;
      }
      alike.push({ keys: rows.map((r) => shape.keys[r]!), decisions });
    });
  }
  const out = [...families.values()].flat().map((f) => build(f.keys, f.decisions, minKeys, keep));
  return out.sort((a, b) => b.keys - a.keys || a.template.localeCompare(b.template));
}

/**
 * Two groups of keys alike but for the kind of an id, as one family, or null when they are two: only hex ids some
 * of which are all digits (as random hex ids are, one in a few dozen), so only when the hex ids are the majority.
 * A few all-digit keys among hex ids stay hex; a few odd keys among numeric ids stay apart (listed as few keys).
 */
function mergeDecisions(a: Decision[], aKeys: number, b: Decision[], bKeys: number): Decision[] | null {
  const merged: Decision[] = [];
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    if ('literal' in x || 'literal' in y) {
      merged.push(x);
      continue;
    }
    if (x.kind === y.kind) {
      // The same kind here: the values may overlap (the same user in both groups), so they are counted once.
      const values = [...new Set([...x.values, ...y.values])];
      const complete = x.distinct <= x.values.length && y.distinct <= y.values.length;
      const distinct = complete ? values.length : Math.max(x.distinct, y.distinct, Math.min(values.length, VALUES_KEPT));
      merged.push({ kind: x.kind, values: values.slice(0, VALUES_KEPT), distinct: Math.min(DISTINCT_COUNTED, distinct) });
      continue;
    }
    const [hex, int, hexKeys, intKeys] =
      x.kind === 'hex' && y.kind === 'int' ? [x, y, aKeys, bKeys] : x.kind === 'int' && y.kind === 'hex' ? [y, x, bKeys, aKeys] : [];
    if (!hex || !int || hexKeys! < intKeys!) return null;
    // Different values by construction (one kind has a letter, the other none); the hex ones first.
    merged.push({
      kind: 'hex',
      values: [...hex.values, ...int.values].slice(0, VALUES_KEPT),
      distinct: Math.min(DISTINCT_COUNTED, hex.distinct + int.distinct),
    });
  }
  return merged;
}

/**
 * Decides each part of one shape left to right (`rows`: the keys still together, by index): a literal splits the
 * keys by its value, a placeholder keeps them. A loop over a stack, not recursion: a key may have thousands of parts.
 */
function refine(shape: Shape, all: number[], emit: (rows: number[], d: Decision[]) => void): void {
  const stack: { rows: number[]; pos: number; decisions: Decision[] }[] = [{ rows: all, pos: 0, decisions: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { rows, pos, decisions } = next;
    const go = (d: Decision, group = rows) => stack.push({ rows: group, pos: pos + 1, decisions: [...decisions, d] });
    const kind = shape.kinds[pos];
    if (kind === undefined) {
      emit(rows, decisions);
      continue;
    }
    const col = shape.texts[pos]!;
    if (kind === 'sep') {
      go({ literal: col[rows[0]!]! });
      continue;
    }
    if (kind !== 'word') {
      // An id varies unless it is the same in enough keys; its distinct values are counted up to a bound.
      const distinct = new Set<string>();
      for (const r of rows) {
        distinct.add(col[r]!);
        if (distinct.size >= DISTINCT_COUNTED) break;
      }
      if (distinct.size === 1 && rows.length >= CONSTANT_ID_KEYS) go({ literal: col[rows[0]!]! });
      else go({ kind, values: [...distinct].slice(0, VALUES_KEPT), distinct: distinct.size });
      continue;
    }
    const counts = new Map<string, number>();
    let most = 0;
    for (const r of rows) {
      const v = col[r]!;
      const n = (counts.get(v) ?? 0) + 1;
      counts.set(v, n);
      if (n > most) most = n;
    }
    const named = decisions.some((d) => 'literal' in d && /[A-Za-z]/.test(d.literal));
    const allOnce = counts.size === rows.length;
    const variable = named
      ? counts.size >= WORD_VALUES || (counts.size >= 3 && allOnce)
      : counts.size >= FIRST_WORD_VALUES && most / rows.length <= FIRST_WORD_MAX_SHARE;
    if (variable) {
      go({ kind, values: [...counts.keys()].slice(0, VALUES_KEPT), distinct: Math.min(DISTINCT_COUNTED, counts.size) });
      continue;
    }
    const byValue = new Map<string, number[]>();
    for (const r of rows) {
      const v = col[r]!;
      const list = byValue.get(v);
      if (list) list.push(r);
      else byValue.set(v, [r]);
    }
    for (const [value, group] of byValue) go({ literal: value }, group);
  }
}

function build(keys: string[], decisions: Decision[], minKeys: number, keep: number): InferredTemplate {
  // Two placeholders side by side (a UUID with a word stuck to it) cannot be told apart: they become one.
  const parts: Decision[] = [];
  for (const d of decisions) {
    const prev = parts[parts.length - 1];
    if (prev && !('literal' in prev) && !('literal' in d)) parts[parts.length - 1] = { kind: 'word', values: [], distinct: 0 };
    else if (prev && 'literal' in prev && 'literal' in d) parts[parts.length - 1] = { literal: prev.literal + d.literal };
    else parts.push(d);
  }
  const names = placeholderNames(parts);
  const placeholders: Placeholder[] = [];
  const layout: TemplatePart[] = parts.map((d) => {
    if ('literal' in d) return { literal: d.literal };
    placeholders.push({ name: names[placeholders.length]!, kind: d.kind, values: d.values, distinct: d.distinct });
    return { placeholder: placeholders.length - 1 };
  });
  const template = renderTemplate(layout, names);
  const words = parts.flatMap((d) => ('literal' in d ? (d.literal.match(/[A-Za-z][A-Za-z0-9]*/g) ?? []) : []));
  const problem = keys.length < minKeys || placeholders.length === 0 ? 'few-keys' : words.length === 0 ? 'no-structure' : null;
  return { template, parts: layout, keys: keys.length, sampleKeys: keys.slice(0, keep), placeholders, words, problem };
}

/**
 * Names for a template's placeholders: the last id is {id}; an id after a word is named for it ({user_id} in
 * "user:{user_id}:cart:{id}"); a varying word is {tenant} ({name} when it is the only placeholder).
 */
function placeholderNames(parts: Decision[]): string[] {
  const holes = parts.map((d, i) => ({ d, i })).filter(({ d }) => !('literal' in d));
  const lastId = holes.map(({ d }) => d).findLastIndex((d) => !('literal' in d) && d.kind !== 'word');
  const used = new Set<string>();
  return holes.map(({ d, i }, n) => {
    const kind = (d as { kind: IdKind | 'word' }).kind;
    let base: string;
    if (kind === 'word') base = holes.length === 1 ? 'name' : 'tenant';
    else if (n === lastId) base = 'id';
    else {
      const before = parts[i - 1];
      const word = before && 'literal' in before ? /([A-Za-z][A-Za-z0-9]*)[^A-Za-z0-9]*$/.exec(before.literal)?.[1] : undefined;
      base = word ? `${word.toLowerCase()}_id` : kind;
    }
    let name = base;
    for (let k = 2; used.has(name); k += 1) name = `${base}${k}`;
    used.add(name);
    return name;
  });
}

/** The template's text with these placeholder names: literal braces doubled. */
export function renderTemplate(parts: readonly TemplatePart[], names: readonly string[]): string {
  return parts.map((p) => ('literal' in p ? p.literal.replace(/[{}]/g, (c) => c + c) : `{${names[p.placeholder]}}`)).join('');
}
