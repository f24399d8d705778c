// A small description language for config shapes, and a validator that names the path of the first wrong field.
import { ConfigError } from '../errors.js';
import { redactUrl } from '../core/redact.js';

export type Shape =
  /** check: the value's own rule (a duration, a size), as a problem message or null. */
  | { type: 'string'; nonEmpty?: boolean; oneOf?: readonly string[]; check?: (text: string) => string | null; expected?: string }
  | { type: 'number'; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean' }
  /** uniqueBy: a field of the items that no two may share (mapping names). */
  | { type: 'array'; items: Shape; minItems?: number; uniqueBy?: string }
  | { type: 'object'; fields: Record<string, Field>; open?: false }
  | { type: 'record'; values: Shape }
  | { type: 'either'; shapes: readonly Shape[]; expected: string };

export type Field = Shape & { required?: boolean };

/** Problems listed, at most: a file that is wrong everywhere still gives one readable line. */
const MAX_PROBLEMS = 10;

/** Throws ConfigError "<source>: <path>: expected ...", naming every problem found (up to MAX_PROBLEMS) in one line. */
export function validateShape(value: unknown, shape: Shape, path: string, source: string): void {
  const problems: string[] = [];
  findProblems(value, shape, path, problems);
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_PROBLEMS);
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
  const what = problems.length === 1 ? shown[0] : `${problems.length} problems: ${shown.join('; ')}${more}`;
  throw new ConfigError(`${source}: ${what}`, 'see docs/config.md');
}

/** Adds every problem of `value` against `shape` to `out`; an either-shape counts as one problem. */
function findProblems(value: unknown, shape: Shape, path: string, out: string[]): void {
  const at = path || '(top level)';
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') out.push(`${at}: expected ${shape.expected ?? 'a string'}, got ${describe(value)}`);
      else if (shape.nonEmpty && value.trim() === '') out.push(`${at}: must not be empty`);
      else if (shape.oneOf && !shape.oneOf.includes(value)) out.push(`${at}: expected one of ${shape.oneOf.map((v) => `"${v}"`).join(', ')}, got "${value}"`);
      else {
        const problem = shape.check?.(value) ?? null;
        if (problem !== null) out.push(`${at}: ${problem}`);
      }
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) out.push(`${at}: expected a number, got ${describe(value)}`);
      else if (shape.integer && !Number.isInteger(value)) out.push(`${at}: expected a whole number, got ${value}`);
      else if (shape.min !== undefined && value < shape.min) out.push(`${at}: must be at least ${shape.min}, got ${value}`);
      else if (shape.max !== undefined && value > shape.max) out.push(`${at}: must be at most ${shape.max}, got ${value}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(`${at}: expected true or false, got ${describe(value)}`);
      return;
    case 'array':
      if (!Array.isArray(value)) out.push(`${at}: expected an array, got ${describe(value)}`);
      else if (shape.minItems !== undefined && value.length < shape.minItems) out.push(`${at}: expected at least ${shape.minItems} item(s)`);
      else {
        const seen = new Set<unknown>();
        for (let i = 0; i < value.length; i += 1) {
          findProblems(value[i], shape.items, `${path}[${i}]`, out);
          const id = shape.uniqueBy !== undefined && isPlainObject(value[i]) ? value[i][shape.uniqueBy] : undefined;
          if (typeof id !== 'string') continue;
          if (seen.has(id)) out.push(`${path}[${i}].${shape.uniqueBy}: "${id}" is used twice`);
          seen.add(id);
        }
      }
      return;
    case 'record':
      if (!isPlainObject(value)) out.push(`${at}: expected an object, got ${describe(value)}`);
      else for (const [k, v] of Object.entries(value)) findProblems(v, shape.values, join(path, k), out);
      return;
    case 'object': {
      if (!isPlainObject(value)) {
        out.push(`${at}: expected an object, got ${describe(value)}`);
        return;
      }
      for (const k of Object.keys(value)) {
        if (!(k in shape.fields)) out.push(`${join(path, k)}: unknown field (expected one of: ${Object.keys(shape.fields).join(', ')})`);
      }
      for (const [k, field] of Object.entries(shape.fields)) {
        const v = value[k];
        if (v === undefined) {
          if (field.required) out.push(`${join(path, k)}: required`);
        } else findProblems(v, field, join(path, k), out);
      }
      return;
    }
    case 'either': {
      const fits = shape.shapes.some((s) => {
        const inner: string[] = [];
        findProblems(value, s, path, inner);
        return inner.length === 0;
      });
      if (!fits) out.push(`${at}: expected ${shape.expected}, got ${describe(value)}`);
      return;
    }
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') {
    // Redacted before it is cut short: a cut can drop the "@" that marks the password as one.
    const shown = redactUrl(v);
    return `"${shown.length > 40 ? `${shown.slice(0, 40)}...` : shown}"`;
  }
  if (typeof v === 'object') return 'an object';
  return String(v);
}
