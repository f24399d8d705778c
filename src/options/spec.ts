// What an option is (flags, help, real default, value type, config field, env) and how a command's set of options
// becomes one typed object: flag > config file > default, each error naming where the bad value came from.
import type { ConfigFile } from '../config/schema.js';
import { ConfigError, UsageError } from '../errors.js';
import { ValueError, type ValueType } from './values.js';

export interface OptionSpec<T = unknown> {
  /** commander flags: "--sample <n>", or "--all" for a switch. */
  flags: string;
  help: string;
  /** The real default, applied here and shown in help; null: not set unless given. */
  default: T;
  /** Words for the default where the value alone does not say it ("the field name"). */
  defaultText?: string;
  /** How the value is read; none for a switch. */
  type?: ValueType<T>;
  /** The environment variable that sets it (shown in help and docs). */
  env?: string;
  /** The config file field that sets it, e.g. "thresholds.maxStale". */
  config?: string;
  repeatable?: boolean;
  /** The option this one re-states with another default or help (one definition, one parser). */
  base?: OptionSpec<T>;
}

// biome-ignore lint/suspicious/noExplicitAny: a set holds options of every value type
export type OptionSet = Readonly<Record<string, OptionSpec<any>>>;

export type OptionValues<S extends OptionSet> = { -readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

/** A command's raw input: the flags as commander parsed them, and the config file. */
export interface RawOptions {
  flags: Readonly<Record<string, unknown>>;
  config: ConfigFile;
  /** "config file ./cachedoctor.config.json", for errors. */
  configName: string;
}

export function valueOption<T>(flags: string, help: string, type: ValueType<T>, def: T, more: Partial<OptionSpec<T>> = {}): OptionSpec<T> {
  return { flags, help, type, default: def, ...more };
}

export function optionalOption<T>(flags: string, help: string, type: ValueType<T>, more: Partial<OptionSpec<T | null>> = {}): OptionSpec<T | null> {
  return { flags, help, type: type as ValueType<T | null>, default: null, ...more };
}

export function switchOption(flags: string, help: string, more: Partial<OptionSpec<boolean>> = {}): OptionSpec<boolean> {
  return { flags, help, default: false, ...more };
}

/** The same option on another command, with its own default or wording: still one definition and one parser. */
export function restate<T>(spec: OptionSpec<T>, changes: Partial<Pick<OptionSpec<NoInfer<T>>, 'default' | 'defaultText' | 'help'>>): OptionSpec<T> {
  // A new default makes the old one's wording wrong ("no cap" for a cap of 100): it is shown as itself unless restated.
  const wording = 'default' in changes && !('defaultText' in changes) ? { defaultText: undefined } : {};
  return { ...spec, ...wording, ...changes, base: spec.base ?? spec };
}

/** The long flag: "--max-stale <n>" -> "--max-stale". */
export function longFlag(spec: OptionSpec): string {
  return spec.flags.split(/[ ,]+/).find((f) => f.startsWith('--'))!;
}

/** True when the option was given on the command line (or, with `config`, in the config file). */
export function given(raw: RawOptions, name: string, spec?: OptionSpec): boolean {
  return raw.flags[name] !== undefined || (spec?.config !== undefined && configValue(raw.config, spec.config) !== undefined);
}

/** Every option of the set, typed: from the flag, else the config file, else the default. */
export function parseOptions<S extends OptionSet>(set: S, raw: RawOptions): OptionValues<S> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(set)) values[name] = optionValue(spec, raw.flags[name], raw);
  return values as OptionValues<S>;
}

/** One option's value: from the flag, else the config file, else the default. */
export function optionValue<T>(spec: OptionSpec<T>, flag: unknown, raw: Pick<RawOptions, 'config' | 'configName'>): T {
  if (flag !== undefined) {
    if (!spec.type) return flag as T;
    if (spec.repeatable && Array.isArray(flag)) return flag.map((f) => read(spec, String(f), () => longFlag(spec), UsageError)) as T;
    return read(spec, String(flag), () => longFlag(spec), UsageError);
  }
  const fromFile = spec.config === undefined ? undefined : configValue(raw.config, spec.config);
  if (fromFile !== undefined) {
    if (!spec.type) return fromFile as T;
    return read(spec, String(fromFile), () => `${raw.configName}: ${spec.config}`, ConfigError);
  }
  return spec.default;
}

function read<T>(spec: OptionSpec<T>, text: string, origin: () => string, Err: typeof UsageError | typeof ConfigError): T {
  try {
    return spec.type!.parse(text);
  } catch (err) {
    if (err instanceof ValueError) throw new Err(`${origin()}: ${err.message}`, err.hint);
    throw err;
  }
}

function configValue(config: ConfigFile, path: string): unknown {
  let value: unknown = config;
  for (const part of path.split('.')) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[part];
  return value;
}
