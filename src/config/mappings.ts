// Mappings from the config file or from scan's one-liner flags, resolved: templates parsed, defaults applied.
import { type KeyTemplate, KeyTemplateError, parseKeyTemplate } from '../core/keyTemplate.js';
import { type Mapping, splitTableName } from '../core/scan/mapping.js';
import { ConfigError, UsageError } from '../errors.js';
import { MAPPING } from '../options/catalog.js';
import { parseOptions, type RawOptions } from '../options/spec.js';
import { duration, ValueError } from '../options/values.js';
import type { MappingConfig } from './schema.js';

/** scan's flags for a mapping without a config file. */
export interface MappingFlags {
  key?: string;
  table?: string;
  versionField?: string;
  versionColumn?: string;
  compare?: string[];
  /** Milliseconds. */
  ttlMs?: number;
  mapping?: string;
}

/** No mapping given at all: the command discovers them when it runs (src/commands/discovered.ts). */
export const DISCOVER = 'discover' as const;
export type GivenMappings = Mapping[] | typeof DISCOVER;

/**
 * The mappings a command works on, from its raw options (the --key/--table one-liner and its flags, or --mapping
 * to pick one of the config file's) and the config file (named in errors by its path). `versionFieldIsMatch`:
 * monitor's --version-field belongs to --match, not to a mapping, when there is no --key.
 */
export function mappingsFromOptions(raw: RawOptions, versionFieldIsMatch = false): GivenMappings {
  const o = parseOptions(MAPPING, raw);
  const oneLiner = o.key !== null || o.table !== null;
  const flags: MappingFlags = {
    key: o.key ?? undefined,
    table: o.table ?? undefined,
    versionField: raw.flags.versionField === undefined || (versionFieldIsMatch && !oneLiner) ? undefined : o.versionField,
    versionColumn: o.versionColumn ?? undefined,
    compare: o.compare ?? undefined,
    ttlMs: o.ttl ?? undefined,
    mapping: o.mapping ?? undefined,
  };
  const mappings = resolveMappings(raw.config.mappings ?? [], flags, raw.configName);
  return mappings.length === 0 ? DISCOVER : mappings;
}

/** The mappings given (none: an empty list, which the caller may discover). */
export function resolveMappings(fromConfig: readonly MappingConfig[], flags: MappingFlags, configName: string): Mapping[] {
  if (flags.key !== undefined || flags.table !== undefined) {
    if (flags.key === undefined || flags.table === undefined)
      throw new UsageError('--key and --table go together', "e.g. --key 'product:{id}' --table products");
    if (flags.mapping !== undefined) throw new UsageError('--mapping picks a mapping from the config file; it does not go with --key/--table');
    const raw: MappingConfig = {
      name: flags.key.split(/[:{]/)[0] || 'cli',
      key: flags.key,
      table: flags.table,
      version: { field: flags.versionField, column: flags.versionColumn },
      compare: flags.compare,
    };
    const one = resolveOne(raw, (field, msg) => new UsageError(`${flagFor(field)}: ${msg}`));
    return [{ ...one, ttlSeconds: flags.ttlMs === undefined ? null : flags.ttlMs / 1000 }];
  }
  if (flags.versionField || flags.versionColumn || flags.compare || flags.ttlMs !== undefined) {
    throw new UsageError(
      '--version-field, --version-column, --compare and --ttl describe a --key/--table mapping',
      'with a config file, set them in its mappings',
    );
  }
  const chosen = fromConfig.map((m, i) => ({ m, i })).filter(({ m }) => flags.mapping === undefined || m.name === flags.mapping);
  if (flags.mapping !== undefined && chosen.length === 0) {
    throw new UsageError(
      `--mapping: no mapping named "${flags.mapping}"`,
      fromConfig.length ? `known: ${fromConfig.map((m) => m.name).join(', ')}` : 'the config file has no mappings',
    );
  }
  const names = new Set<string>();
  return chosen.map(({ m, i }) => {
    if (names.has(m.name)) throw new ConfigError(`${configName}: mappings[${i}].name: "${m.name}" is used twice`);
    names.add(m.name);
    return resolveOne(m, (field, msg) => new ConfigError(`${configName}: mappings[${i}].${field}: ${msg}`));
  });
}

function resolveOne(m: MappingConfig, fail: (field: string, message: string) => Error): Mapping {
  let template: KeyTemplate;
  try {
    template = parseKeyTemplate(m.key);
  } catch (err) {
    if (err instanceof KeyTemplateError) throw fail('key', err.message);
    throw err;
  }
  const table = splitTableName(m.table);
  if (!table) throw fail('table', `"${m.table}" is not a table name (use table or schema.table; quote names with dots)`);
  for (const p of Object.keys(m.columns ?? {})) {
    if (!template.placeholders.includes(p)) throw fail(`columns.${p}`, `the key template has no {${p}}`);
  }
  let ttlSeconds: number | null = null;
  if (m.ttl !== undefined) {
    try {
      ttlSeconds = duration.parse(String(m.ttl)) / 1000;
    } catch (err) {
      if (err instanceof ValueError) throw fail('ttl', `${err.message}${err.hint ? ` (${err.hint})` : ''}`);
      throw err;
    }
  }
  const versionField = m.version?.field ?? 'version';
  const compareFields = m.compare ?? [];
  return {
    name: m.name,
    template,
    table,
    keyColumns: template.placeholders.map((p) => ({ placeholder: p, column: m.columns?.[p] ?? p })),
    encoding: m.encoding ?? 'auto',
    // The column defaults to the field's own name (its last path segment): "meta.version" -> version.
    version: { field: versionField, column: m.version?.column ?? versionField.split('.').pop()!, kind: m.version?.kind ?? 'auto' },
    updatedAt: m.updatedAt ? { field: m.updatedAt.field ?? null, column: m.updatedAt.column ?? m.updatedAt.field ?? 'updated_at' } : null,
    compare: compareFields.map((f) => ({ field: f, column: f.split('.').pop()! })),
    ttlSeconds,
  };
}

function flagFor(field: string): string {
  if (field === 'key') return '--key';
  if (field === 'table') return '--table';
  return `--${field}`;
}
