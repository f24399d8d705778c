// An option's help line, the same in --help and in the generated docs tables.
import type { OptionSpec } from './spec.js';

/** The help line: what it does, its real default, and the variable and config field that also set it. */
export function describe(spec: OptionSpec): string {
  const extras = [defaultText(spec), spec.env ? `env: ${spec.env}` : '', spec.config ? `config: ${spec.config}` : ''].filter(Boolean);
  return extras.length ? `${spec.help} (${extras.join('; ')})` : spec.help;
}

/** The default as a user would write it, or nothing when there is none worth saying. */
export function defaultText(spec: OptionSpec): string {
  if (spec.defaultText) return `default: ${spec.defaultText}`;
  if (!spec.type || spec.default === null || spec.default === undefined) return '';
  return `default: ${spec.type.show(spec.default)}`;
}
