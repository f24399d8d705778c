// The value parsers every option and config field uses: counts, sizes, durations, ratios, severities, names.
// One rule per kind of value, on every command: a duration needs a unit (5s, 500ms) unless the option's name says
// it ("--max-lag-seconds 5"), a size without a unit is bytes, a count is a whole number.
import { SEVERITIES, type Severity } from '../core/findings/findings.js';
import { parseBytes, parseDuration } from '../core/units.js';

/** A value that cannot be read; the caller names where it came from (a flag, a config field). */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** What kind of value an option takes: the unit is part of the docs and of the rule it follows. */
export type ValueKind = 'count' | 'size' | 'duration' | 'seconds' | 'ratio' | 'severity' | 'text' | 'list' | 'choice' | 'address';

export interface ValueType<T> {
  kind: ValueKind;
  /** The value as the program uses it (durations in milliseconds, sizes in bytes); throws ValueError. */
  parse(text: string): T;
  /** The value as a user would write it, for help and docs. */
  show(value: T): string;
}

const got = (text: string) => `got "${text}"`;
/** "a, b or c" */
const either = (values: readonly string[]) => (values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`);
const BARE_NUMBER = /^\s*\d+(\.\d+)?\s*$/;

function countOf(min: number): ValueType<number> {
  return {
    kind: 'count',
    parse(text) {
      const n = Number(text);
      if (text.trim() === '' || !Number.isInteger(n) || n < 0) throw new ValueError(`expected a whole number, ${got(text)}`);
      if (n < min) throw new ValueError(`expected at least ${min}, ${got(text)}`);
      return n;
    },
    show: String,
  };
}

/** A whole number, 0 or more. */
export const count = countOf(0);
/** A whole number, 1 or more. */
export const positiveCount = countOf(1);

/** Bytes: "16MiB", "16MB", "1048576". */
export const size: ValueType<number> = {
  kind: 'size',
  parse(text) {
    const n = parseBytes(text);
    if (n === undefined) throw new ValueError(`expected a size such as 16MiB or 1048576, ${got(text)}`);
    return n;
  },
  show(bytes) {
    for (const [unit, factor] of [
      ['GiB', 1024 ** 3],
      ['MiB', 1024 ** 2],
      ['KiB', 1024],
    ] as const) {
      if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
    }
    return String(bytes);
  },
};

function showDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The longest a timer can wait: 2^31 - 1 ms, about 24.8 days. */
const MAX_DURATION_MS = 2 ** 31 - 1;

function durationOf(allowZero: boolean): ValueType<number> {
  return {
    kind: 'duration',
    parse(text) {
      const zero = BARE_NUMBER.test(text) ? Number(text) === 0 : parseDuration(text, 's') === 0;
      if (zero && !allowZero) throw new ValueError(`must be more than 0, ${got(text.trim())}`, 'e.g. 5s or 500ms');
      // A bare number meant seconds on some commands and milliseconds on others: now it is refused everywhere.
      if (BARE_NUMBER.test(text) && !zero) {
        const n = text.trim();
        throw new ValueError(`"${n}" has no unit`, `write ${n}s or ${n}ms`);
      }
      const ms = parseDuration(text, 's');
      if (ms === undefined || ms < 0) throw new ValueError(`expected a duration such as 5s or 500ms, ${got(text)}`);
      // Timers cannot wait longer (Node fires a longer one at once).
      if (ms > MAX_DURATION_MS)
        throw new ValueError(`too long: at most ${showDuration(Math.floor(MAX_DURATION_MS / 3_600_000) * 3_600_000)}, ${got(text.trim())}`);
      return ms;
    },
    show: showDuration,
  };
}

/** Milliseconds from "500ms", "1.5s", "2m", "1h"; more than zero; a unit is required. */
export const duration = durationOf(false);
/** As `duration`, and 0 (with or without a unit) means none. */
export const durationOrZero = durationOf(true);

/** Seconds, for options whose name says so (--max-lag-seconds 5): a bare number is seconds, units work too. */
export const seconds: ValueType<number> = {
  kind: 'seconds',
  parse(text) {
    const ms = parseDuration(text, 's');
    if (ms === undefined) throw new ValueError(`expected a number of seconds such as 5 or 1.5s, ${got(text)}`);
    return ms / 1000;
  },
  show: String,
};

/** A fraction from 0 to 1. */
export const ratio: ValueType<number> = {
  kind: 'ratio',
  parse(text) {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new ValueError(`expected a ratio from 0 to 1 such as 0.001, ${got(text)}`);
    return n;
  },
  show: String,
};

export const severity: ValueType<Severity> = {
  kind: 'severity',
  parse(text) {
    if (!SEVERITIES.includes(text as Severity)) throw new ValueError(`expected ${either(SEVERITIES)}, ${got(text)}`);
    return text as Severity;
  },
  show: String,
};

/** Any non-empty text (a name, a path, a URL). */
export const text: ValueType<string> = {
  kind: 'text',
  parse(value) {
    if (value.trim() === '') throw new ValueError('expected a value, got an empty string');
    return value;
  },
  show: String,
};

/** Comma-separated names, trimmed, empty ones dropped. */
export const list: ValueType<string[]> = {
  kind: 'list',
  parse(value) {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new ValueError('expected a comma-separated list, got nothing');
    return items;
  },
  show: (items) => items.join(','),
};

/** One of a fixed set of words. */
export function choice<T extends string>(values: readonly T[]): ValueType<T> {
  return {
    kind: 'choice',
    parse(value) {
      if (!values.includes(value as T)) throw new ValueError(`expected ${either(values)}, ${got(value)}`);
      return value as T;
    },
    show: String,
  };
}

/** Where a server listens; host '' is every interface. */
export interface Address {
  host: string;
  port: number;
}

/** host:port, [v6 host]:port, :port (every interface, as exporters write it) or a port alone (loopback only). */
export const address: ValueType<Address> = {
  kind: 'address',
  parse(value) {
    const m = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(value.trim());
    const port = m ? Number(m[2]) : Number.NaN;
    if (!m || port > 65535) throw new ValueError(`expected host:port, :port or a port, ${got(value)}`, 'e.g. 127.0.0.1:9647, or :9647 for every interface');
    const host = m[1] === undefined ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '');
    return { host, port };
  },
  show: ({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`,
};
