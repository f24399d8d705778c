// The shape of cachedoctor.config.json. Mappings follow the scan design; thresholds cover every command.
import { duration as durationValue, seconds as secondsValue, size as sizeValue, ValueError, type ValueType } from '../options/values.js';
import type { Shape } from './shape.js';

const str = { type: 'string', nonEmpty: true } as const;

/** A string field read by an option's own parser: its problem, in the parser's words, is listed with the others. */
function parsedBy(type: ValueType<unknown>, expected?: string): Extract<Shape, { type: 'string' }> {
  return {
    ...str,
    ...(expected ? { expected } : {}),
    check: (text) => {
      try {
        type.parse(text);
        return null;
      } catch (err) {
        if (err instanceof ValueError) return `${err.message}${err.hint ? ` (${err.hint})` : ''}`;
        throw err;
      }
    },
  };
}

const size: Shape = { type: 'either', shapes: [{ type: 'number', min: 0 }, parsedBy(sizeValue)], expected: 'a byte count or a size such as "16MiB"' };
/** A duration with its unit ("5s", "500ms"); a number only where the field's name says the unit (maxLagSeconds). */
const duration: Shape = parsedBy(durationValue, 'a duration with a unit, such as "5s" or "500ms"');
const seconds: Shape = {
  type: 'either',
  shapes: [{ type: 'number', min: 0 }, parsedBy(secondsValue)],
  expected: 'a number of seconds or a duration such as "1500ms"',
};

const mapping: Shape = {
  type: 'object',
  fields: {
    name: { ...str, required: true },
    key: { ...str, required: true },
    table: { ...str, required: true },
    columns: { type: 'record', values: str },
    encoding: { type: 'string', oneOf: ['json', 'hash'] },
    version: {
      type: 'object',
      fields: { field: str, column: str, kind: { type: 'string', oneOf: ['counter', 'timestamp'] } },
    },
    updatedAt: { type: 'object', fields: { field: str, column: str } },
    compare: { type: 'array', items: str },
    ttl: duration,
  },
};

export const CONFIG_SHAPE: Shape = {
  type: 'object',
  fields: {
    $schema: { type: 'string' },
    redis: { type: 'object', fields: { url: str, cluster: { type: 'boolean' } } },
    postgres: {
      type: 'object',
      fields: { primary: str, replicas: { type: 'array', items: str } },
    },
    mappings: { type: 'array', items: mapping, uniqueBy: 'name' },
    thresholds: {
      type: 'object',
      fields: {
        maxLagSeconds: seconds,
        maxLagBytes: size,
        expectReplicas: { type: 'number', min: 0, integer: true },
        maxStale: { type: 'number', min: 0, integer: true },
        maxStaleRatio: { type: 'number', min: 0, max: 1 },
      },
    },
    timeout: duration,
  },
};

export interface MappingConfig {
  name: string;
  key: string;
  table: string;
  columns?: Record<string, string>;
  encoding?: 'json' | 'hash';
  version?: { field?: string; column?: string; kind?: 'counter' | 'timestamp' };
  updatedAt?: { field?: string; column?: string };
  compare?: string[];
  /** The TTL every fill sets, e.g. "5m". */
  ttl?: string;
}

export interface ConfigFile {
  redis?: { url?: string; cluster?: boolean };
  postgres?: { primary?: string; replicas?: string[] };
  mappings?: MappingConfig[];
  thresholds?: {
    maxLagSeconds?: number | string;
    maxLagBytes?: number | string;
    expectReplicas?: number;
    maxStale?: number;
    maxStaleRatio?: number;
  };
  timeout?: string;
}
