// The shape of cachedoctor.config.json. Mappings follow the scan design; thresholds cover every command.
import type { Shape } from './shape.js';

const str = { type: 'string', nonEmpty: true } as const;
const size: Shape = { type: 'either', shapes: [{ type: 'number', min: 0 }, str], expected: 'a byte count or a size such as "16MiB"' };
/** A duration with its unit ("5s", "500ms"); a number only where the field's name says the unit (maxLagSeconds). */
const duration: Shape = { type: 'either', shapes: [str], expected: 'a duration with a unit, such as "5s" or "500ms"' };
const seconds: Shape = { type: 'either', shapes: [{ type: 'number', min: 0 }, str], expected: 'a number of seconds or a duration such as "1500ms"' };

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
    mappings: { type: 'array', items: mapping },
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
