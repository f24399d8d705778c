// A small description language for config shapes, and a validator that names the path of the first wrong field.
import { ConfigError } from '../errors.js';

export type Shape =
  | { type: 'string'; nonEmpty?: boolean; oneOf?: readonly string[] }
  | { type: 'number'; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean' }
  | { type: 'array'; items: Shape; minItems?: number }
  | { type: 'object'; fields: Record<string, Field>; open?: false }
  | { type: 'record'; values: Shape }
  | { type: 'either'; shapes: readonly Shape[]; expected: string };

export type Field = Shape & { required?: boolean };

/** Throws ConfigError "<source>: <path>: expected ..." for the first problem found. */
export function validateShape(value: unknown, shape: Shape, path: string, source: string): void {
  const problem = findProblem(value, shape, path);
  if (problem) throw new ConfigError(`${source}: ${problem}`, 'see "Config file" in the README');
}

function findProblem(value: unknown, shape: Shape, path: string): string | null {
  const at = path || '(top level)';
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') return `${at}: expected a string, got ${describe(value)}`;
      if (shape.nonEmpty && value.trim() === '') return `${at}: must not be empty`;
      if (shape.oneOf && !shape.oneOf.includes(value)) return `${at}: expected one of ${shape.oneOf.map((v) => `"${v}"`).join(', ')}, got "${value}"`;
      return null;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${at}: expected a number, got ${describe(value)}`;
      if (shape.integer && !Number.isInteger(value)) return `${at}: expected a whole number, got ${value}`;
      if (shape.min !== undefined && value < shape.min) return `${at}: must be at least ${shape.min}, got ${value}`;
      if (shape.max !== undefined && value > shape.max) return `${at}: must be at most ${shape.max}, got ${value}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${at}: expected true or false, got ${describe(value)}`;
    case 'array': {
      if (!Array.isArray(value)) return `${at}: expected an array, got ${describe(value)}`;
      if (shape.minItems !== undefined && value.length < shape.minItems) return `${at}: expected at least ${shape.minItems} item(s)`;
      for (let i = 0; i < value.length; i += 1) {
        const p = findProblem(value[i], shape.items, `${path}[${i}]`);
        if (p) return p;
      }
      return null;
    }
    case 'record': {
      if (!isPlainObject(value)) return `${at}: expected an object, got ${describe(value)}`;
      for (const [k, v] of Object.entries(value)) {
        const p = findProblem(v, shape.values, join(path, k));
        if (p) return p;
      }
      return null;
    }
    case 'object': {
      if (!isPlainObject(value)) return `${at}: expected an object, got ${describe(value)}`;
      for (const k of Object.keys(value)) {
        if (!(k in shape.fields)) return `${join(path, k)}: unknown field (expected one of: ${Object.keys(shape.fields).join(', ')})`;
      }
      for (const [k, field] of Object.entries(shape.fields)) {
        const v = value[k];
        if (v === undefined) {
          if (field.required) return `${join(path, k)}: required`;
          continue;
        }
        const p = findProblem(v, field, join(path, k));
        if (p) return p;
      }
      return null;
    }
    case 'either':
      return shape.shapes.some((s) => findProblem(value, s, path) === null) ? null : `${at}: expected ${shape.expected}, got ${describe(value)}`;
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
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}
