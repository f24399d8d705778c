// The parts of the docs and of the JSON Schema that come from code: the finding kinds (docs/findings.md, the
// schema's lists of kinds and their severities) and every command's option table (docs/<command>.md, README).
// `npm run docs` writes them; a test fails when a file on disk differs from what this generates.
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../commands/index.js';
import { CONFIG_SHAPE } from '../config/schema.js';
import type { Shape } from '../config/shape.js';
import { CAUSE_IDS, cause } from '../core/findings/causes.js';
import { FINDING_KINDS, type FindingKind, KINDS } from '../core/findings/kinds.js';
import { REPORT_FAMILIES } from '../core/report/metricFamilies.js';
import { SERVE_FAMILIES } from '../core/serve/serveFamilies.js';
import { GLOBAL } from '../options/catalog.js';
import { defaultText } from '../options/help.js';
import type { OptionSet } from '../options/spec.js';

export const ROOT = new URL('../../', import.meta.url);
export const SCHEMA_PATH = 'src/schema/envelope.schema.json';
export const CONFIG_SCHEMA_PATH = 'src/schema/config.schema.json';

/** A generated file: its path from the repository root and its content (JSON files compare as values). */
export interface Generated {
  path: string;
  content: string;
  json?: boolean;
}

const CAUSE_CTX = { replicaBehind: false, windowSeconds: null, channel: null, replicasUnchecked: false, lagChecked: false, noReplicas: false };

function causeText(kind: FindingKind): string {
  const rule = FINDING_KINDS[kind].cause;
  if (rule === null) return '-';
  if (typeof rule === 'string') return cause(rule, CAUSE_CTX).title;
  return `by evidence: ${rule.byEvidence}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/findings.md: every kind, with its severity, commands, likely cause, fix and fields. */
export function findingsDoc(): string {
  const lines = [
    '# Finding kinds',
    '',
    '<!-- Generated from src/core/findings/kinds.ts by `npm run docs`: edit the registry, not this file. -->',
    '',
    'Every finding has a `kind`, a `severity` (always the same for a kind), a `message` and usually a `fix`. `report`',
    "adds `part` (the check that found it), `cause` and `causeTitle` (its likely cause) and replaces `fix` with the cause's fix.",
    '',
    '| Kind | Severity | Commands | What it means | Likely cause |',
    '|---|---|---|---|---|',
    ...KINDS.map((k) => {
      const s = FINDING_KINDS[k];
      return `| [\`${k}\`](#${k}) | ${s.severity} | ${s.commands.join(', ')} | ${cell(s.meaning)} | ${cell(causeText(k))} |`;
    }),
    '',
  ];
  for (const k of KINDS) {
    const s = FINDING_KINDS[k];
    lines.push(`## ${k}`, '', `**${s.title}** (${s.severity}; ${s.commands.join(', ')}): ${s.meaning}.`, '');
    lines.push(`- Likely cause: ${causeText(k)}`);
    if (s.fix) lines.push(`- Fix: ${s.fix}`);
    const fields = Object.entries(s.fields);
    if (fields.length > 0) {
      lines.push('- Fields:');
      for (const [name, meaning] of fields) lines.push(`  - \`${name}\`: ${meaning}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The option table of a set, as in --help: flag, default, environment and config field, what it does. */
export function optionTable(set: OptionSet): string {
  const rows = Object.values(set).map((spec) => {
    const def = defaultText(spec).replace(/^default: /, '');
    const where = [spec.env ? `env \`${spec.env.split(',')[0]}\`` : '', spec.config ? `config \`${spec.config}\`` : ''].filter(Boolean).join(', ');
    return `| \`${spec.flags}\` | ${cell(def || '-')} | ${where || '-'} | ${cell(spec.help)} |`;
  });
  return ['| Option | Default | Also set by | |', '|---|---|---|---|', ...rows].join('\n');
}

const BEGIN = (name: string) => `<!-- generated: ${name} (npm run docs) -->`;
const END = '<!-- /generated -->';

/** `text` with the block named `name` replaced by `body`; the markers must be there already. */
export function replaceBlock(text: string, name: string, body: string, path: string): string {
  const start = text.indexOf(BEGIN(name));
  const end = start === -1 ? -1 : text.indexOf(END, start);
  if (start === -1 || end === -1) throw new Error(`${path}: no "${BEGIN(name)}" ... "${END}" block`);
  return `${text.slice(0, start)}${BEGIN(name)}\n${body}\n${text.slice(end)}`;
}

/** The JSON Schema with its lists of kinds, per command and overall, each kind's severity, and report's causes, from the registry. */
export function schemaFromRegistry(schema: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(schema) as { $defs: Record<string, Record<string, unknown>> };
  const finding = out.$defs.finding as { properties: Record<string, unknown>; allOf?: unknown[] };
  finding.properties.kind = { enum: KINDS };
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
  finding.allOf = KINDS.map((k) => ({ if: { properties: { kind: { const: k } } }, then: { properties: { severity: { const: FINDING_KINDS[k].severity } } } }));
  for (const command of ['lag', 'scan', 'monitor', 'follow', 'report', 'probe'] as const) {
    const def = out.$defs[command] as { properties: Record<string, { items?: { properties?: Record<string, unknown> } }> };
    def.properties.findings ??= {};
    const findings = def.properties.findings;
    findings.items ??= {};
    findings.items.properties ??= {};
    findings.items.properties.kind = { enum: KINDS.filter((k) => (FINDING_KINDS[k].commands as readonly string[]).includes(command)) };
  }
  // report's causes, from the one list of them.
  const report = out.$defs.report as {
    properties: Record<string, { properties: Record<string, Record<string, unknown>>; items?: { properties: Record<string, unknown> } }>;
  };
  report.properties.summary!.properties.causes!.required = CAUSE_IDS;
  const causeEnum = { enum: [...CAUSE_IDS, null] };
  const causesList = { type: 'array', items: { enum: CAUSE_IDS } };
  for (const list of [report.properties.findings!.items!, report.properties.ranked!.items!]) {
    list.properties.cause = causeEnum;
    list.properties.causes = causesList;
  }
  return out;
}

/** The config file's shape (the one the loader validates) as a JSON Schema, for editors and other tools. */
export function configSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/cachedoctor/cachedoctor/config.schema.json',
    title: 'cachedoctor.config.json',
    description: 'Generated from src/config/schema.ts (npm run docs); see docs/config.md.',
    ...toJsonSchema(CONFIG_SHAPE),
  };
}

function toJsonSchema(shape: Shape): Record<string, unknown> {
  switch (shape.type) {
    case 'string':
      return { type: 'string', ...(shape.nonEmpty ? { minLength: 1 } : {}), ...(shape.oneOf ? { enum: shape.oneOf } : {}) };
    case 'number':
      return {
        type: shape.integer ? 'integer' : 'number',
        ...(shape.min !== undefined ? { minimum: shape.min } : {}),
        ...(shape.max !== undefined ? { maximum: shape.max } : {}),
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'array':
      return { type: 'array', items: toJsonSchema(shape.items), ...(shape.minItems !== undefined ? { minItems: shape.minItems } : {}) };
    case 'record':
      return { type: 'object', additionalProperties: toJsonSchema(shape.values) };
    case 'object': {
      const required = Object.entries(shape.fields)
        .filter(([, f]) => f.required)
        .map(([k]) => k);
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(shape.fields).map(([k, f]) => [k, toJsonSchema(f)])),
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: false,
      };
    }
    case 'either':
      return { description: shape.expected, anyOf: shape.shapes.map(toJsonSchema) };
  }
}

/** serve's /metrics: report's families (gauges, as report --format prometheus has them), then serve's own. */
export function metricsTable(): string {
  const labels = (l: readonly string[]) => (l.length === 0 ? '-' : l.map((x) => `\`${x}\``).join(', '));
  return [
    '| Metric | Type | Labels | |',
    '|---|---|---|---|',
    ...REPORT_FAMILIES.map((f) => `| \`cachedoctor_${f.name}\` | gauge | ${labels(f.labels)} | ${cell(f.help)} |`),
    ...SERVE_FAMILIES.map((f) => `| \`cachedoctor_${f.name}\` | ${f.type} | ${labels(f.labels)} | ${cell(f.help)} |`),
  ].join('\n');
}

/** Every generated file, from the code and the hand-written pages around the generated blocks. */
export function generatedFiles(read: (path: string) => string = (p) => readFileSync(new URL(p, ROOT), 'utf8')): Generated[] {
  const files: Generated[] = [{ path: 'docs/findings.md', content: findingsDoc() }];
  files.push({ path: SCHEMA_PATH, content: `${JSON.stringify(schemaFromRegistry(JSON.parse(read(SCHEMA_PATH))), null, 2)}\n`, json: true });
  files.push({ path: CONFIG_SCHEMA_PATH, content: `${JSON.stringify(configSchema(), null, 2)}\n`, json: true });
  for (const c of COMMANDS) {
    if (Object.keys(c.options).length === 0) continue;
    const path = `docs/${c.name}.md`;
    files.push({ path, content: replaceBlock(read(path), 'options', optionTable(c.options), path) });
  }
  const serve = files.find((f) => f.path === 'docs/serve.md')!;
  serve.content = replaceBlock(serve.content, 'metrics', metricsTable(), serve.path);
  const config = 'docs/config.md';
  files.push({ path: config, content: replaceBlock(read(config), 'global-options', optionTable(GLOBAL), config) });
  return files;
}
